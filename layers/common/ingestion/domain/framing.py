"""How a file is framed: its encoding, byte-order mark and line ending, sniffed once from its first
64 KiB, recorded on the job, and used by every later segment, so all of them split and decode the
bytes the same way. A file that is not CSV text at all (a workbook, a PDF, an HTML page) is told
apart here, with what it looks like."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

BOM = b"\xef\xbb\xbf"
SNIFF_BYTES = 64 * 1024

# label -> (Python codec, byte-order mark). The label is what the job records and shows.
ENCODINGS: dict[str, tuple[str, bytes]] = {
    "UTF-8": ("utf-8", b""),
    "UTF-8 with BOM": ("utf-8", BOM),
    "UTF-16LE with BOM": ("utf-16-le", codecs.BOM_UTF16_LE),
    "UTF-16BE with BOM": ("utf-16-be", codecs.BOM_UTF16_BE),
    "UTF-16LE": ("utf-16-le", b""),
    "UTF-16BE": ("utf-16-be", b""),
    "Windows-1252": ("cp1252", b""),
    "ISO-8859-1": ("latin-1", b""),
}

# What a file that is not text looks like, by its first bytes.
_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive, such as an Excel workbook (.xlsx) or an OpenDocument spreadsheet",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "an Excel 97-2003 workbook (.xls) or another old Office document",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip-compressed file",
    b"BZh": "a bzip2-compressed file",
    b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive",
    b"Rar!": "a RAR archive",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"{\\rtf": "a Rich Text document (.rtf)",
    b"SQLite format 3": "an SQLite database",
}
# Text that is really a document, not a table (checked case-insensitively after leading blanks).
_MARKUP = {
    b"<?xml": "an XML document (Excel's XML Spreadsheet 2003 format, perhaps)",
    b"<!doctype html": "an HTML page",
    b"<html": "an HTML page",
    b"<table": "an HTML table",
}
# Control characters a text file does not hold: all but tab, LF, CR, form feed and Ctrl-Z (\x1a).
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f]")
_MAX_CONTROL_SHARE = 0.01


class NotCsvError(Exception):
    """The file is not CSV text at all; the message says what it looks like."""


@dataclass(frozen=True, slots=True)
class Framing:
    encoding: str = "UTF-8"  # a key of ENCODINGS
    line_ending: str = "LF"  # LF, CRLF or CR: CR-only files split on CR, the others on LF

    @property
    def codec(self) -> str:
        return ENCODINGS[self.encoding][0]

    @property
    def bom(self) -> bytes:
        return ENCODINGS[self.encoding][1]

    @property
    def unit(self) -> int:
        """Bytes per code unit: a line terminator only counts at a multiple of this from a line start."""
        return 2 if self.codec.startswith("utf-16") else 1

    @property
    def terminator(self) -> bytes:
        return ("\r" if self.line_ending == "CR" else "\n").encode(self.codec)

    def decode(self, data: bytes) -> str:
        return data.removeprefix(self.bom).decode(self.codec, errors="replace")


def sniff(head: bytes, *, complete: bool) -> Framing:
    """The framing of a file from its first bytes (`complete`: they are the whole file).

    NotCsvError for a file that is binary, or a document rather than a table."""
    encoding = _encoding(head, complete)
    codec, bom = ENCODINGS[encoding]
    text = head.removeprefix(bom).decode(codec, errors="replace")
    controls = len(_BINARY_CONTROLS.findall(text))
    if text and controls / len(text) > _MAX_CONTROL_SHARE:
        raise NotCsvError(
            f"it contains binary data ({controls} control characters in its first {len(head)} bytes)"
        )
    start = text.lstrip().encode("ascii", errors="replace")[:16].lower()
    for signature, what in _MARKUP.items():
        if start.startswith(signature):
            raise NotCsvError(f"it looks like {what}")
    newline = text.find("\n")
    if newline >= 0:
        line_ending = "CRLF" if newline > 0 and text[newline - 1] == "\r" else "LF"
    else:
        line_ending = "CR" if "\r" in text else "LF"
    return Framing(encoding, line_ending)


def _encoding(head: bytes, complete: bool) -> str:
    for label in ("UTF-8 with BOM", "UTF-16LE with BOM", "UTF-16BE with BOM"):
        if head.startswith(ENCODINGS[label][1]):
            return label
    for signature, what in _SIGNATURES.items():
        if head.startswith(signature):
            raise NotCsvError(f"it looks like {what}")
    if b"\x00" in head:
        # UTF-16 without a byte-order mark: ASCII text puts a NUL in every other byte.
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return "UTF-16LE"
        if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "UTF-16BE"
        raise NotCsvError("it contains binary data (NUL bytes), not text")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError:
        # UTF-8 text with a stray byte or two stays UTF-8 (those rows are errors): it shows more
        # well-formed multi-byte characters than broken bytes. Otherwise it is a single-byte encoding.
        text = head.decode("utf-8", errors="replace")
        broken = text.count("\ufffd")
        if sum(1 for ch in text if ch > "\x7f") - broken > broken:
            return "UTF-8"
        try:
            head.decode("cp1252")
        except UnicodeDecodeError:
            return "ISO-8859-1"  # every byte is a character; cp1252 leaves five undefined
        return "Windows-1252"
    return "UTF-8"


def peek(chunks: Iterable[bytes], size: int = SNIFF_BYTES) -> tuple[bytes, Iterator[bytes]]:
    """At least `size` bytes from the start of a stream (fewer: it is the whole stream), and the
    whole stream again."""
    stream = iter(chunks)
    taken: list[bytes] = []
    length = 0
    for chunk in stream:
        taken.append(chunk)
        length += len(chunk)
        if length >= size:
            break
    head = b"".join(taken)

    def replay() -> Iterator[bytes]:
        yield head
        yield from stream

    return head, replay()


def first_line(head: bytes, framing: Framing) -> str:
    """The first physical line of the file, decoded (for detecting the delimiter)."""
    text = framing.decode(head)
    end = text.find("\r" if framing.line_ending == "CR" else "\n")
    return text if end < 0 else text[:end]
