"""A local MJPEG-over-HTTP camera for tests of live sources, stopped and restarted at will."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2
import numpy as np

FRAME_INTERVAL_S = 0.02
"""Without a clip, the test camera sends 50 black frames per second."""

BOUNDARY = b"frame"


def free_port() -> int:
    """A local port nothing listens on, for a server the test starts later (a camera that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Clip:
    """A video file's frames as JPEGs, encoded once (seconds of CPU) before a camera shows them."""

    jpegs: tuple[bytes, ...]
    fps: float

    @classmethod
    def load(cls, path: Path) -> Clip:
        cap = cv2.VideoCapture(str(path))
        jpegs = []
        while (image := cap.read()[1]) is not None:
            jpegs.append(cv2.imencode(".jpg", image)[1].tobytes())
        fps = cap.get(cv2.CAP_PROP_FPS)
        cap.release()
        assert jpegs and fps > 0, f"cannot read {path}"
        return cls(tuple(jpegs), fps)


class MjpegHandler(BaseHTTPRequestHandler):
    """Serves a multipart/x-mixed-replace JPEG stream, like cheap IP cameras do."""

    server: MjpegServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        """Keep the test output quiet."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY.decode()}")
        self.end_headers()
        try:
            for jpeg in self.server.jpegs():
                head = b"--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % (BOUNDARY, len(jpeg))
                self.wfile.write(head + jpeg + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            return


class MjpegServer(ThreadingHTTPServer):
    """Black frames endlessly; or, with ``clip``, the clip at its own rate from the first client's
    connection on (so a test knows which frame shows when, however long the client took to come),
    to every client alike (a later one joins mid-clip, as with a real camera), over and over with
    ``loop``, else once, after which a client is hung up on."""

    daemon_threads = True

    def __init__(self, port: int, clip: Clip | None = None, loop: bool = True) -> None:
        super().__init__(("127.0.0.1", port), MjpegHandler)
        self.clip, self.loop = clip, loop
        self.stopping = threading.Event()
        self.started_at: datetime | None = None
        self._started = 0.0
        self._start_lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/stream.mjpg"

    def clip_frame(self, at: datetime) -> int | None:
        """The index of the clip's frame shown at wall-clock time ``at`` (None before or after)."""
        if self.started_at is None or at < self.started_at:
            return None
        shown = int((at - self.started_at).total_seconds() * self.clip.fps)
        if self.loop:
            return shown % len(self.clip.jpegs)
        return shown if shown < len(self.clip.jpegs) else None

    def jpegs(self) -> Iterator[bytes]:
        """The frames for one client, each when it is due, until the server stops (or the clip ends)."""
        if self.clip is None:
            black = cv2.imencode(".jpg", np.zeros((48, 64, 3), np.uint8))[1].tobytes()
            while not self.stopping.is_set():
                yield black
                time.sleep(FRAME_INTERVAL_S)
            return
        with self._start_lock:
            if self.started_at is None:
                self.started_at, self._started = datetime.now(timezone.utc), time.monotonic()
        period_s = 1 / self.clip.fps
        while not self.stopping.is_set():
            elapsed_s = time.monotonic() - self._started
            shown = int(elapsed_s / period_s)
            if not self.loop and shown >= len(self.clip.jpegs):
                return
            yield self.clip.jpegs[shown % len(self.clip.jpegs)]
            time.sleep(max(0.0, (shown + 1) * period_s - (time.monotonic() - self._started)))

    def stop(self) -> None:
        """Drop every client connection and stop listening: what a rebooting camera does."""
        self.stopping.set()
        self.shutdown()
        self.server_close()
        self._thread.join()
