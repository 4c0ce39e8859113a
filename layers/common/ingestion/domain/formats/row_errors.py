"""What goes wrong while reading a readings file: one bad row, or a file that cannot be imported at all."""

# Long cell values are cut short in messages so one bad cell cannot flood an error report.
_SHOWN_CHARS = 40


def quoted(value: str) -> str:
    """A cell value as error messages show it: quoted, control characters escaped, cut at 40 characters."""
    shown = value if len(value) <= _SHOWN_CHARS else value[:_SHOWN_CHARS] + "..."
    return repr(shown)


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
    numbered by its first), then the 1-based column and its header text."""
    if column is None:
        return f"Line {line}: {message}"
    return f"Line {line}, column {column} ({column_name}): {message}"


class FileFormatError(Exception):
    """The whole file cannot be imported, e.g. a required column is missing."""


class InvalidValue(ValueError):
    """A cell's text is not a valid value; the message says why. Layouts add the column and raise RowError."""
