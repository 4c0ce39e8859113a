"""Reading meter-reading and site CSV rows: the supported layouts, header aliases, values and UK local time.

Pure Python, no AWS: detect the delimiter from the first line, the layout from the header row, then
parse each data row into Readings or Sites (or a RowError that names the cell and what was expected).
"""

from ingestion.formats.detect import FORMATS, Layout, detect_delimiter, detect_layout
from ingestion.formats.errors import FileFormatError, RowError
from ingestion.formats.headers import normalise_header
from ingestion.formats.reading import Reading
from ingestion.formats.sites import Site, SitesLayout

__all__ = [
    "FORMATS",
    "FileFormatError",
    "Layout",
    "Reading",
    "RowError",
    "Site",
    "SitesLayout",
    "detect_delimiter",
    "detect_layout",
    "normalise_header",
]
