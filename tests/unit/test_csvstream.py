"""Row boundaries and byte offsets: the cursor a later segment resumes from must be exact."""

import codecs
import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingestion.domain.csvstream import MAX_LINE_BYTES, RawRow, RowReader, byte_lines, open_rows
from ingestion.domain.framing import Framing, NotCsvError, first_line, peek, sniff


def rows_of(data: bytes, start: int = 0, line: int = 1, chunk: int = 7, end: int | None = None):
    chunks = [data[i : i + chunk] for i in range(start, len(data), chunk)]
    return list(
        RowReader(
            byte_lines(iter(chunks)), delimiter=",", start_offset=start, start_line=line, end_offset=end
        )
    )


def test_each_row_knows_its_first_line_and_where_it_ends():
    data = b'h1,h2\r\na,"multi\r\nline"\r\n\r\nb,2\r\n'
    rows = rows_of(data)
    assert [(r.line, r.cells) for r in rows] == [
        (1, ["h1", "h2"]),
        (2, ["a", "multi\r\nline"]),
        (5, ["b", "2"]),
    ]
    assert [r.end_offset for r in rows] == [data.index(b"a,"), data.index(b"\r\n\r\nb") + 2, len(data)]
    assert rows[1].next_line == 4


def test_resuming_at_any_row_end_gives_the_same_remaining_rows():
    data = b'mpan,v\n1,"a\nb"\n2,"x,y"\n3,"q""uote"\n4,4\n'
    full = rows_of(data)
    for i, row in enumerate(full):
        rest = rows_of(data, start=row.end_offset, line=row.next_line)
        assert [(r.line, r.cells, r.end_offset) for r in rest] == [
            (r.line, r.cells, r.end_offset) for r in full[i + 1 :]
        ]


def test_a_range_stops_before_the_first_row_starting_at_or_after_its_end():
    data = b"a\nbb\nccc\n"
    assert [r.cells for r in rows_of(data, end=5)] == [["a"], ["bb"]]
    assert [r.cells for r in rows_of(data, end=6)] == [["a"], ["bb"], ["ccc"]]


def test_a_bom_is_not_part_of_the_first_header_but_counts_in_the_offset():
    data = b"\xef\xbb\xbfMPAN,Date\n1,2\n"
    framing = sniff(data, complete=True)
    assert framing == Framing("UTF-8 with BOM", "LF")
    assert first_line(data, framing) == "MPAN,Date"
    rows = list(open_rows(iter([data]), framing, delimiter=","))
    assert rows[0].cells == ["MPAN", "Date"] and rows[0].end_offset == len(b"\xef\xbb\xbfMPAN,Date\n")


def test_a_line_that_is_not_utf8_is_reported_not_altered():
    rows = rows_of(b"h\nok\nbad\xff\n")
    assert rows[1].problem is None and rows[2].problem == "the line is not valid UTF-8 text"


def table_rows(data: bytes, chunk: int = 5):
    head, chunks = peek([data[i : i + chunk] for i in range(0, len(data), chunk)], size=64)
    framing = sniff(head, complete=len(head) == len(data))
    return framing, list(open_rows(chunks, framing, delimiter=","))


TABLE = [["MPAN", "Note"], ["1", "caf\u00e9 \u00a3"], None, ["3", "x"]]  # row 3 holds a line break


def encode(table, encoding: str, newline: str, bom: bytes = b"") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=newline).writerows(table)
    return bom + buffer.getvalue().encode(encoding)


@pytest.mark.parametrize(
    ("encoding", "bom", "label"),
    [
        ("utf-8", b"", "UTF-8"),
        ("utf-8", codecs.BOM_UTF8, "UTF-8 with BOM"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16LE with BOM"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "UTF-16BE with BOM"),
        ("utf-16-le", b"", "UTF-16LE"),
        ("cp1252", b"", "Windows-1252"),
    ],
)
@pytest.mark.parametrize(("newline", "ending"), [("\n", "LF"), ("\r\n", "CRLF"), ("\r", "CR")])
def test_every_encoding_and_line_ending_reads_the_same_rows(encoding, bom, label, newline, ending):
    table = [TABLE[0], TABLE[1], ["2", f'multi{newline}line, "quoted"'], TABLE[3]]
    data = encode(table, encoding, newline, bom)
    framing, rows = table_rows(data)
    assert framing == Framing(label, ending)
    assert [r.cells for r in rows] == table
    assert [r.line for r in rows] == [1, 2, 3, 5]  # a multi-line row is numbered by its first line
    assert rows[-1].end_offset == len(data)
    # Resuming at any row end reads the rest exactly (the cursor is exact in every framing).
    for i, row in enumerate(rows):
        rest = list(
            open_rows(
                iter([data[row.end_offset :]]),
                framing,
                delimiter=",",
                start_offset=row.end_offset,
                start_line=row.next_line,
            )
        )
        assert [(r.line, r.cells, r.end_offset) for r in rest] == [
            (r.line, r.cells, r.end_offset) for r in rows[i + 1 :]
        ]


def test_latin1_bytes_that_windows_1252_leaves_undefined_are_read_as_iso_8859_1():
    assert sniff("MPAN\n1\u0081\n".encode("latin-1"), complete=True).encoding == "ISO-8859-1"


def test_a_utf16_newline_split_across_two_characters_is_not_a_line_break():
    # U+0A0A is b"\n\n" in UTF-16: neither byte pair at an odd offset is a newline.
    data = codecs.BOM_UTF16_LE + "a,\u0a0a\u0a41\nb,c\n".encode("utf-16-le")
    _, rows = table_rows(data, chunk=3)
    assert [r.cells for r in rows] == [["a", "\u0a0a\u0a41"], ["b", "c"]]


def test_utf8_split_inside_a_character_at_the_end_of_the_sniffed_head_is_still_utf8():
    data = ("MPAN,x\n" + "\u00a3" * 40).encode()
    assert sniff(data[:10], complete=False).encoding == "UTF-8"
    assert sniff(data[:10], complete=True).encoding == "Windows-1252"  # a cut-off character is not UTF-8


@pytest.mark.parametrize(
    ("head", "looks_like"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "Excel 97-2003 workbook (.xls)"),
        (b"%PDF-1.7\n", "PDF document"),
        (b"\x1f\x8b\x08\x00", "gzip-compressed"),
        (b"\x89PNG\r\n\x1a\n", "PNG image"),
        (b"  <?xml version='1.0'?><Workbook>", "XML document"),
        (b"<!DOCTYPE html><html>", "HTML page"),
        (bytes(range(256)) * 4, "binary data"),
        (b"MPAN,Date\n\x01\x02\x03\x04\x05\x06\x07\x08", "binary data"),
    ],
)
def test_files_that_are_not_csv_text_say_what_they_look_like(head, looks_like):
    with pytest.raises(NotCsvError, match=r"\(?" + looks_like.replace("(", r"\(").replace(")", r"\)")):
        sniff(head, complete=True)


def test_an_empty_file_is_utf8_lf():
    assert sniff(b"", complete=True) == Framing()


def test_a_line_too_long_is_a_row_error_counted_to_the_byte_and_never_held():
    long_line = b"1," + b"x" * (MAX_LINE_BYTES + 10) + b"\n"
    data = b"h,v\n" + long_line + b"2,ok\n"
    chunks = [data[i : i + 4096] for i in range(0, len(data), 4096)]
    lines = list(byte_lines(iter(chunks)))
    assert max(len(x) for x in lines if isinstance(x, bytes)) < 10
    rows = list(RowReader(byte_lines(iter(chunks)), delimiter=",", start_offset=0, start_line=1))
    assert [(r.line, r.cells, r.problem is None) for r in rows] == [
        (1, ["h", "v"], True),
        (2, [], False),
        (3, ["2", "ok"], True),
    ]
    assert "longer than 1024 KiB" in rows[1].problem
    assert rows[1].end_offset == 4 + len(long_line) and rows[2].end_offset == len(data)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b'h\n"open,1\n2,2\n', "the file ends inside a quoted field"),
        (b'h\n"a"b,1\n', "a closing quote must be followed by the delimiter"),
        (b'h\n"' + b"x" * 200_000 + b'"\n', "a cell is longer than 131072 characters"),
        (b"h\na\rb,1\n", "a line break inside a cell that is not in quotes"),
    ],
)
def test_broken_quoting_is_a_row_error_with_a_plain_message(data, problem):
    rows = rows_of(data, chunk=4096)
    assert rows[0].cells == ["h"]
    assert rows[1].line == 2 and problem in rows[1].problem


def test_after_a_broken_row_the_next_row_is_read_again():
    rows = rows_of(b'h,v\n"a"b,1\nc,2\n')
    assert [(r.line, r.cells) for r in rows][2:] == [(3, ["c", "2"])]


cells = st.text(alphabet=st.sampled_from('ab,"\n\r x£'), max_size=6)


@given(st.lists(st.lists(cells, min_size=1, max_size=3), min_size=1, max_size=8), st.integers(1, 9))
def test_offsets_stay_exact_for_any_quoting_and_any_chunking(table, chunk):
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(table)
    data = buffer.getvalue().encode()
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    reader = RowReader(byte_lines(iter(chunks)), delimiter=",", start_offset=0, start_line=1)
    full = list(reader)
    for i, row in enumerate(full):
        rest = rows_of(data, start=row.end_offset, line=row.next_line, chunk=chunk)
        assert [r.cells for r in rest] == [r.cells for r in full[i + 1 :]]
    assert reader.exhausted and reader.offset == len(data)


def read_all(
    data: bytes, framing: Framing, *, chunk: int, run_bytes: int, max_line: int, start: int = 0, line: int = 1
):
    chunks = [data[i : i + chunk] for i in range(start, len(data), chunk)]
    lines = byte_lines(iter(chunks), framing.terminator, framing.unit, max_line, run_bytes=run_bytes)
    reader = RowReader(lines, delimiter=",", start_offset=start, start_line=line, framing=framing)
    rows = [
        (r.line, r.cells, r.end_offset, r.problem, r.next_line, reader.offset, reader.line) for r in reader
    ]
    return rows, (reader.offset, reader.line, reader.exhausted)


def framed_file(table, framed, extra: bytes, at: int) -> tuple[Framing, bytes]:
    """The table written as CSV in a framing, with `extra` bytes put in at `at`."""
    framing, codec = framed
    buffer = io.StringIO(newline="")
    newline = {"LF": "\n", "CRLF": "\r\n", "CR": "\r"}[framing.line_ending]
    csv.writer(buffer, lineterminator=newline).writerows(table)
    data = framing.bom + buffer.getvalue().encode(codec, errors="replace")
    at = min(at, len(data))
    return framing, data[:at] + extra + data[at:]


FRAMED = [
    (Framing("UTF-8", "CRLF"), "utf-8"),
    (Framing("UTF-8 with BOM", "LF"), "utf-8"),
    (Framing("Windows-1252", "CR"), "cp1252"),
    (Framing("UTF-16LE with BOM", "CRLF"), "utf-16-le"),
]
junk = st.sampled_from([b"", b"", b"\xff", b"\x81", b"\xe2\x82", b"\n", b"\r", b'"'])


@given(
    st.lists(st.lists(cells, min_size=0, max_size=3), min_size=0, max_size=8),
    st.sampled_from(FRAMED),
    junk,
    st.integers(0, 200),
    st.integers(1, 9),
    st.sampled_from([1, 2, 5, 16, 64 * 1024]),
    st.sampled_from([8, MAX_LINE_BYTES]),
)
def test_lines_read_in_runs_give_what_lines_read_one_by_one_give(
    table, framed, extra, at, chunk, run_bytes, max_line
):
    # Given any table, in any framing, with perhaps a stray byte, a line too long or broken quoting
    framing, data = framed_file(table, framed, extra, at)
    # When it is read in runs of lines, from its start and from every row end
    one_by_one, end = read_all(data, framing, chunk=chunk, run_bytes=0, max_line=max_line)
    in_runs = read_all(data, framing, chunk=chunk, run_bytes=run_bytes, max_line=max_line)
    # Then every row, offset, line number and problem is the same
    assert in_runs == (one_by_one, end)
    for row in one_by_one:
        resumed = read_all(
            data, framing, chunk=chunk, run_bytes=run_bytes, max_line=max_line, start=row[2], line=row[4]
        )
        assert resumed[0] == [r for r in one_by_one if r[0] >= row[4]] and resumed[1] == end


def test_a_cr_file_keeps_a_line_feed_inside_a_quoted_cell():
    data = b'h,v\r1,"a\nb"\r2,c\r'
    rows = list(open_rows(iter([data]), Framing("UTF-8", "CR"), delimiter=","))
    assert [(r.line, r.cells, r.end_offset) for r in rows] == [
        (1, ["h", "v"], 4),
        (2, ["1", "a\nb"], 12),
        (3, ["2", "c"], len(data)),
    ]


def test_a_file_that_is_only_a_byte_order_mark_is_one_empty_line():
    reader = open_rows(iter([codecs.BOM_UTF8]), Framing("UTF-8 with BOM", "LF"), delimiter=",")
    assert list(reader) == [] and (reader.offset, reader.line) == (3, 2)


def test_the_rows_a_reader_builds_are_ordinary_raw_rows():
    (row,) = rows_of(b"a,b\n")
    expected = RawRow(1, ["a", "b"], 4, None, 2)
    assert (row, repr(row)) == (expected, repr(expected))
    with pytest.raises(AttributeError):
        row.line = 3  # type: ignore[misc]


def take_all(data: bytes, framing: Framing, size: int, *, end=None, use_line=True, run_bytes=64 * 1024):
    """Every batch RowReader.take gives: [(rows as (line, cells, problem)), end offset, next line]."""
    chunks = [data[i : i + 5] for i in range(0, len(data), 5)]
    lines = byte_lines(iter(chunks), framing.terminator, framing.unit, 16, run_bytes=run_bytes)
    end_offset, end_line = end if end is not None else (None, None)
    reader = RowReader(
        lines,
        delimiter=",",
        start_offset=0,
        start_line=1,
        end_offset=end_offset,
        end_line=end_line if use_line else None,
        framing=framing,
    )
    batches = []
    while not reader.exhausted:
        batch = reader.take(size)
        batches.append((list(batch.rows()), batch.end_offset, batch.next_line))
        assert len(batch) <= size and (len(batch) == size or reader.exhausted)
    return batches


@given(
    st.lists(st.lists(cells, min_size=0, max_size=3), min_size=0, max_size=10),
    st.sampled_from(FRAMED),
    junk,
    st.integers(0, 200),
    st.sampled_from([1, 2, 3, 500]),
    st.sampled_from([1, 16, 64 * 1024]),
    st.integers(0, 12),
)
def test_rows_taken_in_batches_are_the_rows_read_one_at_a_time(
    table, framed, extra, at, size, run_bytes, cut
):
    # Given any table, in any framing, with perhaps a stray byte, a line too long or broken quoting
    framing, data = framed_file(table, framed, extra, at)
    reader = RowReader(
        byte_lines(iter([data]), framing.terminator, framing.unit, 16),
        delimiter=",",
        start_offset=0,
        start_line=1,
        framing=framing,
    )
    one = [(r.line, r.cells, r.problem, r.end_offset, r.next_line) for r in reader]
    # A range ending at a row's end (its offset, and the line there), or the whole file
    end = None if cut >= len(one) else (one[cut][3], one[cut][4])
    expected = [r for r in one if end is None or r[3] <= end[0]]
    final = end if end is not None else (reader.offset, reader.line)
    for use_line in (True, False):
        # When the rows are taken `size` at a time
        batches = take_all(data, framing, size, end=end, use_line=use_line, run_bytes=run_bytes)
        # Then they are the same rows, each batch ending where its last row ends (the last batch:
        # where reading stopped), and none past the range's end
        assert [row for rows, _, _ in batches for row in rows] == [r[:3] for r in expected]
        ends = [expected[i][3:] for i in range(size - 1, len(expected) - 1, size)] + [final]
        assert [b[1:] for b in batches] == ends
