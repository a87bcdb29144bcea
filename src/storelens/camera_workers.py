"""Cameras of one store run side by side: in threads of this process, or spread over worker
processes that send what they track to this one.

One Python process only ever keeps one core busy. For recorded video of several cameras,
`Workers` forks processes that each run a share of the cameras (detection, tracking, floor
mapping) in threads and send their frames back through a pipe in batches; fusion, analytics and
storage stay in the parent, which alone touches the database. Errors come back as their type and
first line, a dead worker is noticed by its pipe closing, and Ctrl-C or SIGTERM (what systemd
sends to stop a service) asks everyone to stop and keep what they tracked.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import pickle
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import connection as mp_connection
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Protocol

from storelens.demographics import VisitDemographics
from storelens.errors import StorelensError, first_line
from storelens.fusion import CameraObservations
from storelens.storage import CameraHealth

if TYPE_CHECKING:
    from storelens.recording import CameraRun

__all__ = [
    "BATCH_FRAMES",
    "CameraJob",
    "Outbox",
    "StopFlag",
    "StoreSink",
    "Workers",
    "run_in_threads",
    "sigterm_as_ctrl_c",
]

logger = logging.getLogger(__name__)

JOIN_POLL_S = 0.5
"""How often the main thread looks up from waiting for cameras (so Ctrl-C is seen)."""

BATCH_FRAMES = 100
"""Camera frames per message from a worker process: few, large messages keep the parent's cost
per message (a wake-up, a pipe read) small beside fusing what they carry."""

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Ctrl-C, and what systemd (or ``kill``) sends to stop a service: both stop and keep."""

HealthSink = Callable[[CameraHealth], None]
"""Where a camera's health reports go: the database, or a worker's pipe to the parent."""


class StoreSink(Protocol):
    """Where the cameras of a several-camera store send their frames: the store's visitors, or
    a worker process's pipe to them (`Outbox`)."""

    def push(self, observations: CameraObservations) -> None: ...

    def end_camera(self, camera_id: str) -> None: ...

    def demographics(self, records: list[VisitDemographics]) -> None: ...


class CameraJob(Protocol):
    """One camera's run (`storelens.runner`): called to run, ``stop()`` from another thread."""

    run: CameraRun
    error: Exception | None
    out: object

    def __call__(self) -> None: ...

    def stop(self) -> None: ...


class StopFlag(Protocol):
    """A stop request (`threading.Event`, or a `multiprocessing` one shared with workers)."""

    def is_set(self) -> bool: ...


def run_in_threads(jobs: Sequence[CameraJob], stop: StopFlag | None = None) -> None:
    """Run the jobs in threads until they end; Ctrl-C (or SIGTERM, see `sigterm_as_ctrl_c`), or
    ``stop`` set by the parent process, ends them early, each keeping what it tracked.

    The wait is on events the threads set, not on ``Thread.join``: a KeyboardInterrupt inside
    ``join`` can mark a running thread as ended (CPython issue 90882, seen on 3.11), and the run
    would then close its records under a camera still writing."""
    ended = [threading.Event() for _ in jobs]

    def work(job: CameraJob, done: threading.Event) -> None:
        try:
            job()
        finally:
            done.set()

    threads = [
        threading.Thread(target=work, args=(job, done), name=f"camera-{job.run.camera_id}", daemon=True)
        for job, done in zip(jobs, ended)
    ]
    for t in threads:
        t.start()
    try:
        while running := [done for done in ended if not done.is_set()]:
            if stop is not None and stop.is_set():
                break
            running[0].wait(JOIN_POLL_S)
        else:
            return  # every camera ended by itself
    except KeyboardInterrupt:
        pass  # stopped below, as for ``stop``
    logger.warning("interrupted: stopping %d cameras and saving what they tracked", len(jobs))
    for job in jobs:
        job.stop()
    for t in threads:
        t.join()


_Message = tuple[object, ...]
"""From a worker to the parent: ("frames", [CameraObservations]), ("end", camera id),
("health", CameraHealth), ("demographics", [VisitDemographics]) or ("run", CameraRun, error type
or None, error message)."""


class Outbox:
    """A worker process's side of its pipe to the parent, shared by the worker's camera threads.

    Frames go in batches of `BATCH_FRAMES` per camera. The pipe is the bound on what is in
    flight: a send blocks while the parent has not read the previous ones.
    """

    def __init__(self) -> None:
        self.conn: Connection | None = None  # connected just before the worker starts
        self._lock = threading.Lock()
        self._batches: dict[str, list[CameraObservations]] = {}

    def push(self, observations: CameraObservations) -> None:
        batch = self._batches.setdefault(observations.camera_id, [])  # one thread per camera
        batch.append(observations)
        if len(batch) >= BATCH_FRAMES:
            self._send_batch(observations.camera_id)

    def end_camera(self, camera_id: str) -> None:
        self._send_batch(camera_id)
        self.send(("end", camera_id))

    def health(self, health: CameraHealth) -> None:
        self.send(("health", health))

    def demographics(self, records: list[VisitDemographics]) -> None:
        self.send(("demographics", records))

    def send(self, message: _Message) -> None:
        assert self.conn is not None, "Outbox used before its worker started"
        with self._lock:
            self.conn.send(message)

    def _send_batch(self, camera_id: str) -> None:
        batch = self._batches.pop(camera_id, [])
        if batch:
            self.send(("frames", batch))


def _portable_error(err: Exception | None) -> tuple[type[Exception] | None, str]:
    """An error as its type and one-line message: the exception itself may not survive pickling."""
    if err is None:
        return None, ""
    try:
        pickle.dumps(type(err))
    except (pickle.PicklingError, AttributeError, TypeError):
        return RuntimeError, f"{type(err).__name__}: {first_line(err)}"
    return type(err), first_line(err)


def _rebuilt_error(kind: type[Exception], message: str) -> Exception:
    try:
        return kind(message)
    except Exception:  # an error type that takes more than a message
        return RuntimeError(f"{kind.__name__}: {message}")


def _work(jobs: list[CameraJob], outbox: Outbox, stop: StopFlag) -> None:
    """A worker process: its cameras in threads, everything they produce to the parent."""
    try:
        run_in_threads(jobs, stop)
        for job in jobs:
            outbox.send(("run", job.run, *_portable_error(job.error)))
    finally:
        assert outbox.conn is not None
        outbox.conn.close()


@dataclass(slots=True)
class _Worker:
    process: BaseProcess
    conn: Connection
    cameras: list[str]


class Workers:
    """Worker processes, each running a share of the cameras, feeding the store's visitors here.

    Detection, tracking and the floor mapping run in the workers; fusion, analytics and
    storage stay in this process, which alone touches the database.
    """

    def __init__(self, store: StoreSink, write_health: HealthSink, lost_run: Callable[[str], CameraRun]) -> None:
        self.store, self.write_health, self.lost_run = store, write_health, lost_run
        self.runs: dict[str, CameraRun] = {}
        self.errors: list[Exception] = []
        self._context = mp.get_context("fork")
        self.stop = self._context.Event()

    def run(self, jobs: list[CameraJob], outboxes: list[Outbox]) -> tuple[list[CameraRun], list[Exception]]:
        """Start a worker per outbox, running the jobs that send to it, and take in what they
        send until all have ended; the cameras' runs (in the jobs' order) and errors."""
        with _ctrl_c_sets(self.stop):
            workers = [self._start([j for j in jobs if j.out is box], box) for box in outboxes]
            try:
                self._receive(workers)
            finally:
                for worker in workers:
                    if worker.process.is_alive():  # SIGKILL: SIGTERM would make it send what nobody reads
                        worker.process.kill()
                    worker.process.join()
        return [self.runs[job.run.camera_id] for job in jobs], self.errors

    def _start(self, jobs: list[CameraJob], outbox: Outbox) -> _Worker:
        receive, send = self._context.Pipe(duplex=False)
        outbox.conn = send
        cameras = [job.run.camera_id for job in jobs]
        process = self._context.Process(
            target=_work, args=(jobs, outbox, self.stop), name=f"cameras-{'-'.join(cameras)}", daemon=True
        )
        process.start()
        send.close()  # the worker's end: when it exits, the parent reads EOF
        return _Worker(process, receive, cameras)

    def _receive(self, workers: list[_Worker]) -> None:
        open_ = {worker.conn: worker for worker in workers}
        while open_:
            for conn in mp_connection.wait(list(open_), timeout=JOIN_POLL_S):
                try:
                    self._take(conn.recv())
                except EOFError:
                    self._ended(open_.pop(conn))

    def _take(self, message: _Message) -> None:
        kind = message[0]
        if kind == "frames":
            for observations in message[1]:
                self.store.push(observations)
        elif kind == "end":
            self.store.end_camera(message[1])
        elif kind == "health":
            self.write_health(message[1])
        elif kind == "demographics":
            self.store.demographics(message[1])
        else:
            run, error, text = message[1:]
            self.runs[run.camera_id] = run
            if error is not None:
                self.errors.append(_rebuilt_error(error, text))

    def _ended(self, worker: _Worker) -> None:
        """A worker closed its pipe: normally after its cameras' runs; if not, it died."""
        worker.process.join()
        lost = [c for c in worker.cameras if c not in self.runs]
        if not lost:
            return
        self.stop.set()
        for camera_id in lost:
            self.store.end_camera(camera_id)  # an end already sent is harmless: fusion ignores a second
            self.runs[camera_id] = self.lost_run(camera_id)
        self.errors.append(
            StorelensError(
                f"the process running camera {', '.join(lost)} ended unexpectedly "
                f"(exit code {worker.process.exitcode}); the other cameras were stopped"
            )
        )


@contextmanager
def sigterm_as_ctrl_c() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt as Ctrl-C does, so a run stopped by systemd stops its
    cameras, flushes and closes the same way (Python's default is to die at once, losing the
    open visits and the unflushed batch). Only the main thread can do this."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _ctrl_c_sets(stop: StopFlag) -> Iterator[None]:
    """Ctrl-C or SIGTERM asks the workers to stop (they inherit this handler; systemd signals
    them too) instead of interrupting the parent mid-fusion; a second one to the same process
    interrupts it at once. Only the main thread can do this."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed = False  # per process: a forked worker counts its own

    def handle(signum: int, frame: object) -> None:
        nonlocal pressed
        if pressed:
            raise KeyboardInterrupt
        pressed = True
        stop.set()

    previous = {signum: signal.signal(signum, handle) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


