"""The services' dependencies, with their production defaults: one object, wired one way for all
three functions (each handler builds one `Services()` at cold start; tests replace its parts).

The store side of each kind of record (domain/records.py) is chosen here, by the kind's name: a
third kind of record is one more writer and cleaner in this class."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ingestion.domain.clock import Clock, system_clock
from ingestion.domain.records import RecordKind, WriteResult
from ingestion.services.ingest.undo import ReadingUndo
from ingestion.settings import Settings, get_settings
from ingestion.store.events import EventPublisher
from ingestion.store.jobs import JobRepository
from ingestion.store.lookup import Lookup
from ingestion.store.objects import ObjectStore
from ingestion.store.profiles import ProfileRepository
from ingestion.store.queue import IngestQueue
from ingestion.store.reading_log import ReadingLog
from ingestion.store.readings import ReadingWriter
from ingestion.store.reports import ReportStore
from ingestion.store.sites import SiteCleaner, SiteWriter
from ingestion.store.throttle_settings import ThrottleSettingsRepository


class RecordWriter(Protocol):
    def upsert(
        self, records: Iterable[Any], *, job_id: str, written_at: str, read: Any = None
    ) -> WriteResult: ...


class RecordCleaner(Protocol):
    def delete_page(self, job_id: str) -> int: ...


@dataclass
class Services:
    jobs: JobRepository = field(default_factory=JobRepository)
    objects: ObjectStore = field(default_factory=ObjectStore)
    queue: IngestQueue = field(default_factory=IngestQueue)
    events: EventPublisher = field(default_factory=EventPublisher)
    reports: ReportStore = field(default_factory=ReportStore)
    lookup: Lookup = field(default_factory=Lookup)
    throttle_settings: ThrottleSettingsRepository = field(default_factory=ThrottleSettingsRepository)
    profiles: ProfileRepository = field(default_factory=ProfileRepository)
    # Per kind of record: its writer and the cleaner that removes (or undoes) what a job wrote.
    readings: ReadingWriter = field(default_factory=ReadingWriter)
    cleaner: RecordCleaner = field(default_factory=ReadingUndo)
    sites: SiteWriter = field(default_factory=SiteWriter)
    site_cleaner: RecordCleaner = field(default_factory=SiteCleaner)
    reading_log: ReadingLog = field(default_factory=ReadingLog)  # what a job's readings replaced
    settings: Settings = field(default_factory=get_settings)
    clock: Clock = system_clock
    sleep: Callable[[float], None] = time.sleep
    new_id: Callable[[], str] = lambda: str(uuid.uuid4())  # a new job's id
    new_holder: Callable[[], str] = lambda: uuid.uuid4().hex  # an invocation's lease

    def writer(self, kind: RecordKind) -> RecordWriter:
        return self._stores_of(kind)[0]

    def cleaner_of(self, kind: RecordKind) -> RecordCleaner:
        return self._stores_of(kind)[1]

    def _stores_of(self, kind: RecordKind) -> tuple[RecordWriter, RecordCleaner]:
        """The store side of a kind of record: its writer and its cleaner."""
        stores: dict[str, tuple[RecordWriter, RecordCleaner]] = {
            "readings": (self.readings, self.cleaner),
            "sites": (self.sites, self.site_cleaner),
        }
        return stores[kind.name]
