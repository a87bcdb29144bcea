"""Every storage failure is a one-line StorageError naming the database, password masked."""

from __future__ import annotations

import socket
import threading

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url
from storage_helpers import PG_URL, T0, at, frames

from storelens.analytics.records import Alert, Direction, LineCrossing
from storelens.errors import StorageError
from storelens.storage import mask_url, open_database


def _one_line(err: pytest.ExceptionInfo) -> str:
    message = str(err.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    "url, expectation",
    [
        ("not a url", pytest.raises(StorageError, match="bad database URL 'not a url': expected sqlite:///")),
        (
            "mysql://shop:pw@db/store",
            pytest.raises(StorageError, match=r"unsupported database 'mysql' in mysql://shop:\*\*\*@"),
        ),
        ("postgresql+psycopg2://u@h/db", pytest.raises(StorageError, match="use postgresql\\+psycopg://")),
    ],
)
def test_bad_urls(url, expectation):
    with expectation as err:
        open_database(url)
    _one_line(err)


def test_unreachable_postgres_names_the_url_with_password_masked():
    url = "postgresql+psycopg://shop:hunter2@127.0.0.1:1/store"
    with pytest.raises(StorageError) as err:
        open_database(url)
    message = _one_line(err)
    assert "postgresql+psycopg://shop:***@127.0.0.1:1/store" in message
    assert "hunter2" not in message
    assert "refused" in message.lower() or "failed" in message.lower()


@pytest.mark.parametrize("where", ["under_a_file", "missing_dir"])
def test_unwritable_sqlite_path(tmp_path, where):
    (tmp_path / "a_file").write_text("not a directory")
    path = tmp_path / "a_file" / "store.db" if where == "under_a_file" else tmp_path / "missing" / "store.db"
    with pytest.raises(StorageError, match=f"cannot open the database in sqlite:///{path}: unable to open") as err:
        open_database(f"sqlite:///{path}")
    _one_line(err)


def test_sqlite_disk_full_raises_with_the_number_of_records_not_written(sqlite_url):
    with open_database(sqlite_url) as db:
        # Cap the file at its current size: the next pages cannot be allocated, as on a full disk.
        @event.listens_for(db.engine, "connect")
        def _cap(dbapi_conn, _record):
            pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
            dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

        db.engine.dispose()
        batches = frames("cam", {tid: [(0.1 * i, tid) for i in range(200)] for tid in range(50)}, fps=2)
        with pytest.raises(StorageError, match="database or disk is full; 10000 records not written") as err:
            db.add_positions(batches)
        _one_line(err)
        event.remove(db.engine, "connect", _cap)
        db.engine.dispose()
        assert db.add_positions(batches) == 10000


class _TcpProxy:
    """Forwards a local port to PostgreSQL; stopping it is the server going away mid-session."""

    def __init__(self, target: tuple[str, int], port: int = 0) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", port))  # SO_REUSEADDR: the port can be reused
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            return
        finally:
            sink.close()

    def stop(self) -> None:
        if self.listener.fileno() == -1:
            return
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() blocked in the other thread
        self.listener.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the other direction's pipe
            s.close()


@pytest.fixture
def proxied_pg_url(pg_schema_url):
    url = make_url(pg_schema_url)
    proxy = _TcpProxy((url.host, url.port or 5432))
    yield proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    proxy.stop()


@pytest.mark.parametrize(
    "write, n_records",
    [
        (lambda db: db.add_positions(frames("cam", {1: [(0, 0)] * 6, 2: [(1, 1)] * 6}, fps=2, t0=100)), 12),
        (lambda db: db.add_line_crossings([LineCrossing("entrance", "cam", 1, at(5), Direction.IN)] * 3), 3),
        (lambda db: db.add_alerts([Alert(at(5), "crowding", "fruit", "cam", None, "10 people")]), 1),
    ],
)
def test_postgres_down_at_write_time_raises_with_the_count_not_written(proxied_pg_url, write, n_records):
    proxy, url = proxied_pg_url
    with open_database(url) as db:
        db.add_positions(frames("cam", {1: [(0, 0)] * 4}, fps=2))
        proxy.stop()
        with pytest.raises(StorageError, match=f"{n_records} records not written") as err:
            write(db)
        assert f"127.0.0.1:{proxy.port}" in _one_line(err)


def test_postgres_writes_resume_after_the_server_comes_back(pg_schema_url, proxied_pg_url):
    proxy, url = proxied_pg_url
    batch = frames("cam", {1: [(0, 0)] * 4}, fps=2, t0=10)
    with open_database(url) as db:
        db.add_positions(frames("cam", {1: [(0, 0)] * 4}, fps=2))
        proxy.stop()
        with pytest.raises(StorageError):
            db.add_positions(batch)
        # Same port again, as after a server restart: the pool reconnects, the retry stores the batch.
        restarted = _TcpProxy(proxy.target, proxy.port)
        try:
            assert db.add_positions(batch) == 4
        finally:
            restarted.stop()
    with open_database(pg_schema_url) as db:
        assert len(db.positions(T0, at(20))) == 8


@pytest.mark.parametrize(
    "url, masked",
    [
        ("postgresql+psycopg://u:p@h/db", "postgresql+psycopg://u:***@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
        (make_url(PG_URL).set(password="s:e@c"), "postgresql+psycopg://postgres:***@127.0.0.1:5432/test"),
    ],
)
def test_mask_url(url, masked):
    assert mask_url(url) == masked
