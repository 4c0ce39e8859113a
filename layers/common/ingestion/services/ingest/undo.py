"""Undoing a deleted job's readings from its log (store/reading_log.py), a part at a time.

Each period the job wrote last goes back to the value, flag and writer it replaced, or away if it
replaced nothing; a period another import has written since is left as it is (domain/meter_days.py
plan_undo). The parts are undone newest first, and each is removed once undone, so a delete
stopped anywhere (out of time, a crash) goes on where it was: a period undone already is no
longer the job's, and is left alone the second time. Going newest first is what makes the undo of
a period the undo of the job's last write of it: a part that found the period the job's already
(`mine`) leaves it to an older part, which knows what it held before the job."""

from __future__ import annotations

from ingestion.domain.meter_days import DayKey, LoggedDay, plan_undo
from ingestion.store.batch_calls import pool
from ingestion.store.day_items import StoredDay
from ingestion.store.reading_log import ReadingLog
from ingestion.store.readings import DayUndo

MAX_REPLANS = 10


class ReadingUndo:
    def __init__(self, *, log: ReadingLog | None = None, days: DayUndo | None = None) -> None:
        self._log = log
        self._days = days
        # The parts still to undo, listed once an invocation (a job of 10 million rows has some
        # 10,000): (job id, keys oldest first).
        self._parts: tuple[str, list[str]] = ("", [])

    @property
    def log(self) -> ReadingLog:
        if self._log is None:
            self._log = ReadingLog()
        return self._log

    @property
    def days(self) -> DayUndo:
        if self._days is None:
            self._days = DayUndo()
        return self._days

    def delete_page(self, job_id: str) -> int:
        """Undo the job's newest log part and remove it: how many day items it named (at least 1
        while parts are left; 0: none is)."""
        if self._parts[0] != job_id:
            self._parts = (job_id, self.log.parts(job_id))
        parts = self._parts[1]
        if not parts:
            return 0
        newest = parts[-1]
        entries: dict[DayKey, list[LoggedDay]] = {}
        for entry in self.log.read(newest):
            entries.setdefault(entry.key, []).append(entry)
        self.undo(entries, job_id)
        self.log.remove(newest)
        parts.pop()
        return max(1, len(entries))

    def undo(self, entries: dict[DayKey, list[LoggedDay]], job_id: str) -> None:
        pending = dict(entries)
        for _ in range(MAX_REPLANS):
            if not pending:
                return
            stored = self.days.items.read(pending)
            # (nothing left of an item: nothing of ours to undo in it)
            planned = [(key, stored[key], logged) for key, logged in pending.items() if key in stored]
            done = list(pool().map(lambda p: self._undo_day(p[0], p[1], p[2], job_id), planned))
            # an item that changed since it was read is read again and planned again
            pending = {key: logged for (key, _, logged), ok in zip(planned, done, strict=True) if not ok}
        raise RuntimeError(f"{len(pending)} day items kept changing while the import was undone")

    def _undo_day(self, key: DayKey, stored: StoredDay, logged: list[LoggedDay], job_id: str) -> bool:
        return self.days.apply(key, stored, plan_undo(logged, stored.periods, job_id), job_id)
