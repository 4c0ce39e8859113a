"""What goes wrong while reading a readings file: one bad row, or a file that cannot be imported at all."""

# Long cell values and column names are cut short in messages, so one bad cell cannot flood an
# error report or the job item that keeps the first messages (docs/files.md, "Limits").
SHOWN_CELL_CHARS = 40
# A message about one row, whatever it quotes, is cut to this many characters.
MAX_ROW_MESSAGE_CHARS = 300


def shortened(text: str, limit: int) -> str:
    """The text, or its first `limit` characters and how long it was: "abc... (12,345 characters)"."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def quoted(value: str) -> str:
    """A cell value as error messages show it: quoted, control characters escaped, cut at 40
    characters and then its length said: 'abc...'... (12,345 characters)."""
    if len(value) <= SHOWN_CELL_CHARS:
        return repr(value)
    return f"{value[:SHOWN_CELL_CHARS]!r}... ({len(value):,} characters)"


class RowError(Exception):
    """One row is invalid and is skipped; the import goes on."""

    def __init__(self, message: str, column: int | None = None, column_name: str | None = None) -> None:
        super().__init__(message, column, column_name)
        self.message = message
        self.column = column  # 1-based, as a spreadsheet user counts
        self.column_name = column_name  # the header text as in the file

    def __str__(self) -> str:
        if self.column is None:
            return self.message
        return f"column {self.column} ({self.column_name}): {self.message}"

    def describe(self, line: int) -> str:
        """The error as a user reads it: "Line 47, column 3 (created_at): invalid date ..."."""
        return describe_problem(line, self.column, self.column_name, self.message)


def describe_problem(line: int, column: int | None, column_name: str | None, message: str) -> str:
    """One numbering for every message: the file line (header = line 1; a row that spans lines is
    numbered by its first), then the 1-based column and its header text (both cut short when long)."""
    if column is None:
        return shortened(f"Line {line}: {message}", MAX_ROW_MESSAGE_CHARS)
    name = shortened(column_name or "", SHOWN_CELL_CHARS)
    return shortened(f"Line {line}, column {column} ({name}): {message}", MAX_ROW_MESSAGE_CHARS)


class FileFormatError(Exception):
    """The whole file cannot be imported, e.g. a required column is missing."""


class MappingError(FileFormatError):
    """The mapping asks for what the file does not have: a column it lacks, a header row past its end."""


class InvalidValue(ValueError):
    """A cell's text is not a valid value; the message says why. Layouts add the column and raise RowError."""
