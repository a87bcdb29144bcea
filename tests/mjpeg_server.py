"""A local MJPEG-over-HTTP camera for tests of live sources, stopped and restarted at will."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np

FRAME_INTERVAL_S = 0.02
"""The test camera sends 50 frames per second."""

BOUNDARY = b"frame"


class MjpegHandler(BaseHTTPRequestHandler):
    """Serves an endless multipart/x-mixed-replace JPEG stream, like cheap IP cameras do."""

    server: MjpegServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        """Keep the test output quiet."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY.decode()}")
        self.end_headers()
        image = np.zeros((48, 64, 3), np.uint8)
        jpeg = cv2.imencode(".jpg", image)[1].tobytes()
        part = b"--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n%s\r\n" % (BOUNDARY, len(jpeg), jpeg)
        try:
            while not self.server.stopping.is_set():
                self.wfile.write(part)
                time.sleep(FRAME_INTERVAL_S)
        except (BrokenPipeError, ConnectionResetError):
            return


class MjpegServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), MjpegHandler)
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/stream.mjpg"

    def stop(self) -> None:
        """Drop every client connection and stop listening: what a rebooting camera does."""
        self.stopping.set()
        self.shutdown()
        self.server_close()
        self._thread.join()
