"""Merging a split file's shards: what they did differently from one range, from their kept keys."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from ingestion.domain.csvstream import RawRow
from ingestion.domain.formats import detect_layout
from ingestion.domain.merge import contested, plan_merge
from ingestion.domain.records import READINGS
from ingestion.domain.rowcheck import CheckedBatch, check_batch
from ingestion.domain.seen_keys import SeenKeys

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
HEADER = "MPAN,Date,Time,Value"
LAYOUT = detect_layout(HEADER.split(","), "auto")


def file_rows(*lines: str) -> list[RawRow]:
    """Data rows from line 2, each 10 bytes long on paper (offsets only need to be increasing)."""
    return [RawRow(n, line.split(","), end_offset=10 * (n - 1)) for n, line in enumerate(lines, start=2)]


def shard_keys(rows: list[RawRow], starts: list[int]) -> list[SeenKeys]:
    """What each shard kept after checking its own rows (lines of warned rows included)."""
    kept = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else float("inf")
        seen = SeenKeys()
        seen.mark_warned(
            check_batch([r for r in rows if start < r.end_offset <= end], LAYOUT, seen, NOW).warned_lines()
        )
        kept.append(seen)
    return kept


def merge_of(lines: list[str], starts: list[int]):
    rows = file_rows(*lines)
    kept = shard_keys(rows, starts)
    return plan_merge(iter(rows), LAYOUT, starts, kept, contested(kept))


def test_shards_with_no_key_in_common_need_no_pass_over_the_file():
    rows = file_rows("1,2025-11-01,00:00,1", "2,2025-11-01,00:00,1")
    kept = shard_keys(rows, [0, 10])

    def untouchable() -> Iterator[RawRow]:
        raise AssertionError("the file was read")
        yield

    merge = plan_merge(untouchable(), LAYOUT, [0, 10], kept, contested(kept))
    assert not merge.changes and merge.warned_rows == 0


def test_a_key_in_two_shards_warns_on_the_later_row_and_rewrites_the_later_value():
    merge = merge_of(["1,2025-11-01,00:00,5", "2,2025-11-01,00:00,1", "1,2025-11-01,00:00,7"], [0, 20])

    assert [w.describe() for w in merge.warnings] == [
        "Line 4: meter 1 at 2025-11-01 half hour 1 (2025-11-01 00:00 UTC) appears earlier in the file too; "
        "this row's is kept"
    ]
    assert merge.warned_rows == 1
    assert {k: str(r.value_kwh) for k, r in merge.rewrites.items()} == {("1", "hh#2025-11-01T00:00Z"): "7"}
    assert merge.new_repeats == [[("1", "hh#2025-11-01T00:00Z")]]


def test_a_row_that_warned_already_is_not_counted_twice():
    merge = merge_of(["1,2025-11-01,00:00,5", "1,2025-11-01,00:00,-7"], [0, 10])  # negative: warned
    assert len(merge.warnings) == 1 and merge.warned_rows == 0


def test_repeats_within_one_shard_are_the_shards_own_business():
    merge = merge_of(["1,2025-11-01,00:00,5", "1,2025-11-01,00:00,6", "2,2025-11-01,00:00,1"], [0, 20])
    assert not merge.changes and merge.warned_rows == 0


def test_the_last_of_three_shards_holding_a_key_gives_its_value_and_each_later_row_warns():
    lines = ["1,2025-11-01,00:00,1", "1,2025-11-01,00:00,2", "1,2025-11-01,00:00,3", "1,2025-11-01,00:00,4"]
    merge = merge_of(lines, [0, 10, 30])  # shards: [line 2], [lines 3-4], [line 5]

    assert [w.line for w in merge.warnings] == [3, 5]  # line 4 warned inside its own shard
    assert merge.warned_rows == 2
    assert [str(r.value_kwh) for r in merge.rewrites.values()] == ["4"]


def test_the_hour_the_clocks_go_back_split_between_shards_is_still_two_hours():
    merge = merge_of(
        ["1,2025-10-26,01:00,2", "1,2025-10-26,01:30,3", "1,2025-10-26,01:00,4", "1,2025-10-26,01:30,5"],
        [0, 20],
    )

    assert merge.warnings == [] and merge.new_repeats == []
    assert {k[1]: str(r.value_kwh) for k, r in merge.rewrites.items()} == {
        "hh#2025-10-26T00:00Z": "2",  # BST, as the first shard wrote it (the second shard wrote 4 there)
        "hh#2025-10-26T00:30Z": "3",
        "hh#2025-10-26T01:00Z": "4",  # GMT: the second shard never wrote these
        "hh#2025-10-26T01:30Z": "5",
    }


def test_contested_keys_are_those_of_more_than_one_shard_and_survive_a_save():
    rows = file_rows(
        "1,2025-11-01,00:00,1", "2,2025-11-01,00:00,1", "3,2025-11-01,00:00,1", "1,2025-11-01,00:00,2"
    )
    kept = [SeenKeys.load(keys.dump()) for keys in shard_keys(rows, [0, 10, 20, 30])]
    shared = contested(kept)

    assert shared.meters() == {"1"}
    assert READINGS.seen(shared, check_batch(rows[:1], LAYOUT, SeenKeys(), NOW).records[0])
    assert not READINGS.seen(shared, check_batch(rows[1:2], LAYOUT, SeenKeys(), NOW).records[0])


def test_warned_lines_survive_a_save():
    seen = SeenKeys()
    seen.mark_warned(CheckedBatch(lines=[5, 6, 100_000], warned={0, 2}).warned_lines())
    again = SeenKeys.load(seen.dump())
    assert again.warned(5) and again.warned(100_000) and not again.warned(6)


def test_the_same_half_hour_on_another_channel_in_another_shard_is_no_repeat():
    layout = detect_layout(["MPAN", "ReadDateTime", "Value", "Channel"], "auto")
    rows = file_rows(
        "1,2025-11-01 00:00,5,import",
        "1,2025-11-01 00:00,1,export",
        "1,2025-11-01 00:00,7,import",
        "1,2025-11-01 00:00,2,reactive_import",
    )
    kept = []
    for start, end in ((0, 10), (10, float("inf"))):
        seen = SeenKeys()
        check_batch([r for r in rows if start < r.end_offset <= end], layout, seen, NOW)
        kept.append(seen)

    merge = plan_merge(iter(rows), layout, [0, 10], kept, contested(kept))

    assert [w.line for w in merge.warnings] == [4]  # import, repeated in the second shard
    assert {k: str(r.value_kwh) for k, r in merge.rewrites.items()} == {("1", "hh#2025-11-01T00:00Z"): "7"}
