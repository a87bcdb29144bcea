"""Serving a web app for tests that need a real HTTP server (SSE streams, a browser)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


@contextmanager
def serving_app(app) -> Iterator[str]:
    """Any app on a free loopback port (uvicorn in a thread); yields the base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    # Without proxy headers, as `storelens serve` runs: the app decides whom to believe.
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1, proxy_headers=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test web server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
