"""csvimport: the command-line client of the CSV import service's HTTP API.

Development tooling: it talks to the API over HTTP only and is never deployed or imported by
Lambda code. Run it as ``python -m cli --help``.
"""
