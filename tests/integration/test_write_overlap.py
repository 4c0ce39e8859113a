"""With no pause between batches, the ingest loop checks the next batch and counts the one before
while a batch's writes are in flight; with pauses it goes one batch at a time. Either way each
batch is counted after its own writes, in file order, and writes never overlap one another."""

from __future__ import annotations

import threading

from ingestion.store.jobs import JobRepository
from ingestion.store.lookup import Lookup
from ingestion.store.readings import ReadingWriter
from tests.integration.helpers import import_csv
from tests.support import handler_module, hh_long_csv, readings_of


class Recorder:
    def __init__(self) -> None:
        self.events: list[str] = []
        self._lock = threading.Lock()
        self.writing = 0
        self.most_writing = 0

    def note(self, event: str) -> None:
        with self._lock:
            self.events.append(event)


def recording_services(monkeypatch, recorder: Recorder) -> None:
    services = handler_module("ingest").services

    class Writer(ReadingWriter):
        def upsert(self, readings, *, job_id, written_at, read=None):
            readings = list(readings)
            first = readings[0].start.isoformat()[:16]
            recorder.writing += 1
            recorder.most_writing = max(recorder.most_writing, recorder.writing)
            recorder.note(f"write {first}")
            try:
                return super().upsert(readings, job_id=job_id, written_at=written_at, read=read)
            finally:
                recorder.note(f"written {first}")
                recorder.writing -= 1

    class Checks(Lookup):
        def read_batch(self, readings):  # (a batch's check reads the table once)
            recorder.note(f"check {readings[0].start.isoformat()[:16]}")
            return super().read_batch(readings)

    class Jobs(JobRepository):
        def commit_batch(self, job_id, c):
            recorder.note(f"count {c.processed}")
            return super().commit_batch(job_id, c)

    monkeypatch.setattr(services, "readings", Writer())
    monkeypatch.setattr(services, "lookup", Checks())
    monkeypatch.setattr(services, "jobs", Jobs())
    monkeypatch.setattr(services, "sleep", lambda seconds: None)


def test_without_pauses_the_next_batch_is_checked_and_the_last_counted_while_a_batch_is_written(
    stack, monkeypatch
):
    recorder = Recorder()
    recording_services(monkeypatch, recorder)

    job, _ = import_csv(stack, hh_long_csv(3000, meters=1), throttle="small")  # 1,000-row batches

    assert (job["status"], job["processed_rows"], job["readings_written"]) == ("completed", 3000, 3000)
    assert len(readings_of(stack.readings_table)) == 3000
    checks = [e for e in recorder.events if e.startswith("check")]
    first, second, third = (e.removeprefix("check ") for e in checks)
    order = recorder.events
    # batch 2 is checked before batch 1 is counted, and counted only after its own writes
    assert order.index(f"check {second}") < order.index("count 1000")
    assert order.index(f"written {first}") < order.index("count 1000")
    assert order.index(f"write {second}") > order.index(f"written {first}")  # one batch's writes at a time
    assert order.index(f"check {third}") < order.index("count 1000", order.index("count 1000") + 1)
    assert [e for e in order if e.startswith("count")] == ["count 1000"] * 3
    assert recorder.most_writing == 1


def test_with_pauses_each_batch_is_checked_written_and_counted_before_the_next(stack, monkeypatch):
    recorder = Recorder()
    recording_services(monkeypatch, recorder)

    job, _ = import_csv(stack, hh_long_csv(300, meters=1), throttle="medium")  # 100 rows, 100 ms pauses

    assert (job["status"], job["processed_rows"]) == ("completed", 300)
    kinds = [e.split()[0] for e in recorder.events]
    assert kinds == ["check", "write", "written", "count"] * 3
