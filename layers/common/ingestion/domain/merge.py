"""Repeats across shards: a file split into shards ends exactly as one read top to bottom would.

Each shard finds repeats only within itself. Once every shard is done, the keys the shards kept
are compared: a key held by two shards was repeated across them. Usually there is none, and that is
all. Otherwise one pass over the file re-reads the rows of the meters (or sites) involved and works
out what reading the file in one range would have done differently:

- a row whose key came earlier in another shard warns "appears earlier in the file too" (the row
  is counted among the warned rows unless it had a warning already);
- in a dry run such a row would update, not insert;
- the table must hold the last occurrence's value whichever shard wrote last, so the records of
  every key in play are written again with their final values;
- in the hour the clocks go back (a file without offsets), a later occurrence is the second hour.

Pure: the caller reads the rows and the shards' kept keys, and applies the result."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ingestion.domain.csvstream import RawRow
from ingestion.domain.formats import AnyLayout, RowError
from ingestion.domain.records import Record, kind_of_layout
from ingestion.domain.rowcheck import Problem, repeat_warning
from ingestion.domain.seen_keys import SeenKeys


@dataclass
class ShardMerge:
    warned_rows: int = 0  # rows that gain their first warning
    warnings: list[Problem] = field(default_factory=list)  # the new warnings, in file order
    # rows no shard saw as a repeat that are one: a dry run counted them as inserts unless one of
    # these keys (as the shard stored them) was in the table already
    new_repeats: list[list[tuple[str, str]]] = field(default_factory=list)
    rewrites: dict[tuple[str, str], Record] = field(default_factory=dict)  # key -> its final record

    @property
    def changes(self) -> bool:
        return bool(self.warnings or self.rewrites)


def contested(shards: Sequence[SeenKeys]) -> SeenKeys:
    """The keys held by more than one shard."""
    held, shared = SeenKeys(), SeenKeys()
    for index, keys in enumerate(shards):
        if index:
            shared.union(keys.common(held))
        held.union(keys)
    return shared


def plan_merge(
    rows: Iterable[RawRow],
    layout: AnyLayout,
    starts: Sequence[int],
    kept: Sequence[SeenKeys],
    shared: SeenKeys,
) -> ShardMerge:
    """What the shards did differently from a single range, from the file's data rows in order.

    `starts` are the shards' first byte offsets (the first 0); `kept` what each shard kept (its
    keys and the lines it warned about); `shared` the keys held by more than one (`contested`)."""
    merge = ShardMerge()
    if not shared:
        return merge
    kind = kind_of_layout(layout.name)
    in_play = kind.in_play(shared)
    whole, local, current = SeenKeys(), SeenKeys(), 0
    for raw in rows:
        # A row belongs to the shard its last byte is in (shards start on row starts).
        shard = bisect_left(starts, raw.end_offset) - 1
        if shard != current:
            local, current = SeenKeys(), shard
        if raw.problem is not None:
            continue
        if not in_play(raw.cells):
            continue  # none of the meters (or sites) in play
        try:
            records: list[Record] = list(layout.parse_row(raw.cells))
        except RowError:
            continue
        stored_by_shard, repeats_in_shard, repeats_in_file = [], False, False
        warnings_before = len(merge.warnings)
        for record in records:
            as_shard, new_to_shard = kind.remember(local, record)
            final, new_to_file = kind.remember(whole, record)
            stored_by_shard.append(kind.key(as_shard))
            repeats_in_shard |= not new_to_shard
            repeats_in_file |= not new_to_file
            if new_to_shard and not new_to_file:
                merge.warnings.append(Problem(raw.line, None, None, repeat_warning(kind, final)))
            key = kind.key(final)
            in_two = kind.seen(shared, final) or kind.seen(shared, as_shard)
            if key in merge.rewrites or in_two or final != as_shard:
                merge.rewrites[key] = final
        if repeats_in_file and not repeats_in_shard:
            merge.new_repeats.append(stored_by_shard)
        if len(merge.warnings) > warnings_before and not kept[shard].warned(raw.line):
            merge.warned_rows += 1
    return merge
