"""Row boundaries and byte offsets: the cursor a later segment resumes from must be exact."""

from hypothesis import given
from hypothesis import strategies as st

from ingestion.csvstream import RowReader, byte_lines, first_line


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
    text, lines = first_line(iter([data]))
    assert text == "MPAN,Date\n"
    rows = list(RowReader(lines, delimiter=",", start_offset=0, start_line=1))
    assert rows[0].cells == ["MPAN", "Date"] and rows[0].end_offset == len(b"\xef\xbb\xbfMPAN,Date\n")


def test_a_line_that_is_not_utf8_is_reported_not_altered():
    rows = rows_of(b"h\nok\nbad\xff\n")
    assert rows[1].problem is None and rows[2].problem == "the line is not valid UTF-8 text"


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
