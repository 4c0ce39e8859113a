"""Parse and validate against a bare csv.reader, on the same bytes, with no I/O at all."""

from __future__ import annotations

import csv
import gc
import io
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ingestion.domain.csvstream import open_rows
from ingestion.domain.formats import detect_delimiter, detect_layout
from ingestion.domain.framing import SNIFF_BYTES, first_line, peek, sniff
from ingestion.domain.rowcheck import check_batch, utc_now
from ingestion.domain.seen_keys import SeenKeys
from ingestion.domain.throttle import PRESETS
from ingestion.services.collector import tune_for_batches
from ingestion.store.objects import CHUNK_BYTES

BATCH_SIZE = PRESETS["small"].batch_size  # the pipeline's batches, throttling off


@dataclass(frozen=True)
class ParseTimes:
    csv_reader_s: float  # best of the repeats
    parse_validate_s: float

    @property
    def ratio(self) -> float:
        """Our speed as a fraction of csv.reader's (1.0: as fast)."""
        return self.csv_reader_s / self.parse_validate_s


def csv_reader_pass(data: bytes) -> int:
    """Decode the bytes and iterate csv.reader over them: the floor any CSV import stands on."""
    rows = 0
    for _ in csv.reader(io.StringIO(data.decode("utf-8"), newline="")):
        rows += 1
    return rows - 1  # the header


def parse_validate_pass(data: bytes, batch_size: int = BATCH_SIZE) -> int:
    """What a segment does to the bytes before writing: frame and split them (fed in the chunks an
    S3 read yields), read the header, then parse and check the rows batch by batch. The readings
    read (a wide row holds 48)."""
    chunks = (data[i : i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES))
    head, stream = peek(chunks)
    framing = sniff(head, complete=len(head) < SNIFF_BYTES)
    reader = open_rows(stream, framing, delimiter=detect_delimiter(first_line(head, framing)))
    header = next(iter(reader))
    layout = detect_layout(header.cells, "hh")
    seen, now = SeenKeys(), utc_now(time.time())
    imported = 0
    while not reader.exhausted:
        checked = check_batch(reader.take(batch_size), layout, seen, now)
        if checked.errors:
            raise ValueError(f"the benchmark file has a bad row: {checked.errors[0].describe()}")
        imported += len(checked.records)
    return imported


def time_parsing(data: bytes, rows: int, repeat: int = 3, readings: int | None = None) -> ParseTimes:
    """The best of `repeat` runs of each (the least disturbed by anything else on the machine),
    both with the garbage collector set as the ingest worker sets it. Each is checked: csv.reader
    read `rows` rows, ours `readings` readings (one a row unless given)."""
    best = {"csv": float("inf"), "ours": float("inf")}
    expected = {"csv": rows, "ours": rows if readings is None else readings}
    with collector_as_in_the_worker():
        for _ in range(repeat):
            for name, parse in (("csv", csv_reader_pass), ("ours", parse_validate_pass)):
                started = time.perf_counter()
                parsed = parse(data)
                best[name] = min(best[name], time.perf_counter() - started)
                if parsed != expected[name]:
                    raise ValueError(f"{name} read {parsed}, expected {expected[name]}")
    return ParseTimes(best["csv"], best["ours"])


@contextmanager
def collector_as_in_the_worker() -> Iterator[None]:
    """The ingest worker's garbage collector settings (ingestion.services.collector), for a while."""
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    tune_for_batches()
    try:
        yield
    finally:
        if not frozen:  # (what was frozen before stays frozen)
            gc.unfreeze()
        gc.set_threshold(*threshold)
