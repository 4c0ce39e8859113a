"""Reading meter-reading and site CSV rows: the supported layouts, header aliases, values and UK local time.

Pure Python, no AWS: detect the delimiter from the first line, the layout from the header row, then
parse each data row into Readings or Sites (or a RowError that names the cell and what was expected).
"""

from ingestion.domain.formats.detect import (
    FORMATS,
    AnyLayout,
    ImportFormat,
    Layout,
    detect_delimiter,
    detect_layout,
)
from ingestion.domain.formats.headers import normalise_header
from ingestion.domain.formats.reading import Reading
from ingestion.domain.formats.row_errors import FileFormatError, RowError
from ingestion.domain.formats.sites_layout import Site, SitesLayout

__all__ = [
    "FORMATS",
    "AnyLayout",
    "FileFormatError",
    "ImportFormat",
    "Layout",
    "Reading",
    "RowError",
    "Site",
    "SitesLayout",
    "detect_delimiter",
    "detect_layout",
    "normalise_header",
]
