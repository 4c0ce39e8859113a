"""The ingest function's use cases: a segment of an import (segment.py, its batch loop in
batches.py), splitting a large file and merging its shards (shards.py), how a job ends or retries
(lifecycle.py), reading the file (files.py), and removing a deleted job (deletion.py)."""
