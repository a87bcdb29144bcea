"""The spool: batches survive the process, wait while the database fails, and go in order, once."""

from __future__ import annotations

import pickle
import threading

import pytest
from storage_helpers import at, frames

from storelens.analytics.records import Visit
from storelens.errors import StorageError
from storelens.storage import spool as spool_module
from storelens.storage.runs import RecordBatch
from storelens.storage.spool import Spool, SpoolSender


def _batch(seq: int, points: int = 10) -> RecordBatch:
    walk = {1: [(0.1 * i, 1.0) for i in range(points)]}
    return RecordBatch(7, seq, positions=frames("cam", walk, fps=5), visits=[Visit("cam", 1, at(0), at(seq), True)])


def test_batches_outlive_the_process_that_spooled_them(tmp_path):
    path = tmp_path / "box" / "store.spool"
    first = Spool(path, max_bytes=1 << 20)
    first.put(_batch(1))
    first.put(_batch(2))
    first.close()  # the process dies here
    again = Spool(path, max_bytes=1 << 20)
    spool_id, batch = again.oldest()
    assert batch.seq == 1 and len(batch.positions) == 10
    again.remove(spool_id)
    assert again.oldest()[1].seq == 2
    assert again.status().batches == 1
    assert again.drop_run(7) == 1 and again.oldest() is None


def test_a_full_spool_keeps_counts_and_drops_positions(tmp_path, caplog):
    spool = Spool(tmp_path / "s.spool", max_bytes=len(pickle.dumps(_batch(1))) + 10)
    spool.put(_batch(1))
    spool.put(_batch(2))
    first_id, first = spool.oldest()
    spool.remove(first_id)
    _, second = spool.oldest()
    assert len(first.positions) == 10
    assert second.positions == [] and len(second.visits) == 1
    assert spool.status().dropped_points == 10
    assert "spool" in caplog.text and "10 positions of run 7 dropped" in caplog.text


def test_an_unwritable_spool_says_so_in_one_line(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(StorageError, match="cannot open the spool") as err:
        Spool(tmp_path / "file" / "s.spool", max_bytes=1 << 20)
    assert "\n" not in str(err.value)


def test_sender_retries_a_failing_database_and_writes_in_order_once(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(spool_module, "RETRY_FIRST_S", 0.01)
    monkeypatch.setattr(spool_module, "RETRY_MAX_S", 0.02)
    spool = Spool(tmp_path / "s.spool", max_bytes=1 << 20)
    written, failures = [], [3]
    up = threading.Event()

    def write(batch: RecordBatch) -> None:
        if failures[0]:
            failures[0] -= 1
            raise StorageError("cannot write batch: connection refused")
        written.append(batch.seq)
        up.set()

    reports = []
    sender = SpoolSender(spool, write, on_status=lambda status, outage: reports.append((status, outage)))
    for seq in (1, 2, 3):
        spool.put(_batch(seq))
        sender.notify()
    assert up.wait(5)
    left = sender.close(timeout_s=5)
    assert written == [1, 2, 3] and left.batches == 0
    status, outage = reports[0]  # after the first write, which ended the outage
    assert status.batches == 2 and outage.error == "cannot write batch: connection refused"
    assert 0.02 < outage.seconds < 5
    assert "database unavailable (cannot write batch: connection refused)" in caplog.text
    assert "database back after" in caplog.text


def test_sender_leaves_what_a_dead_database_did_not_take(tmp_path, monkeypatch):
    monkeypatch.setattr(spool_module, "RETRY_FIRST_S", 0.01)
    spool = Spool(tmp_path / "s.spool", max_bytes=1 << 20)

    def down(batch: RecordBatch) -> None:
        raise StorageError("cannot write: server closed the connection")

    sender = SpoolSender(spool, down)
    spool.put(_batch(1))
    left = sender.close(timeout_s=0.2)
    assert left.batches == 1
    assert Spool(tmp_path / "s.spool", max_bytes=1 << 20).oldest()[1].seq == 1


def test_sender_hands_a_bug_to_close(tmp_path):
    spool = Spool(tmp_path / "s.spool", max_bytes=1 << 20)

    def broken(batch: RecordBatch) -> None:
        raise KeyError("bug")

    sender = SpoolSender(spool, broken)
    spool.put(_batch(1))
    with pytest.raises(KeyError):
        sender.close(timeout_s=5)
