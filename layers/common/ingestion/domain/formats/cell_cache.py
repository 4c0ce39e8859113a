"""A bounded cache of what cells parse to, keyed on what is parsed rather than the padding around it.

Values repeat down a file (dates, meter ids, numbers, units, flags), so their parsers are cached, and
the caches live as long as the warm container, across jobs. A cell may hold up to csv's field limit
(131,072 characters): keyed on the raw cell, three caches of 4,096 padded cells held 1.5 GB. So no
key is longer than MAX_CACHED_CHARS: a longer cell is looked up by its stripped text when the parser
reads only that, and is otherwise parsed without being cached. Each cache then holds at most
`size` keys of at most MAX_CACHED_CHARS characters, whatever the file."""

from __future__ import annotations

from collections.abc import Callable

# The longest real value is 40 characters (a number of 38 digits with a sign and a point; a meter id
# is at most 32, a date and time with seconds, fraction and offset 32): room for a little padding too.
MAX_CACHED_CHARS = 64


class CellCache[T](dict[str, T]):
    """parse(cell) for each cell looked up, remembered for at most `size` cells (emptied when full:
    a fresh start costs one parse a cell, where an LRU's bookkeeping costs every hit). A hit is one
    dict lookup, in C: look cells up with `cache[cell]` (or `cache.__getitem__`, the parser itself).

    `strips`: parse reads a cell's stripped text only (parse(cell) == parse(cell.strip())), so a long
    padded cell is the same entry as its stripped text. Exceptions are not cached."""

    __slots__ = ("_parse", "_size", "_strips")

    def __init__(self, parse: Callable[[str], T], size: int, *, strips: bool = True) -> None:
        super().__init__()
        self._parse = parse
        self._size = size
        self._strips = strips

    def __missing__(self, text: str) -> T:
        if len(text) > MAX_CACHED_CHARS:
            if not self._strips:
                return self._parse(text)
            stripped = text.strip()
            return self[stripped] if len(stripped) <= MAX_CACHED_CHARS else self._parse(stripped)
        value = self._parse(text)
        if len(self) >= self._size:
            self.clear()
        self[text] = value
        return value
