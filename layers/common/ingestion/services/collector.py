"""How the ingest worker's garbage collector runs.

A segment allocates millions of short-lived objects (cells, readings, items), and a batch holds a
few thousand of them at once. With Python's defaults (a young collection every 700 allocations)
those outlive one or two collections and are promoted to the oldest generation, whose full
collections then walk every object the process has (boto3's, pydantic's...), again and again:
measured, that cost 40% of parse + validate. So the worker freezes what it has imported (those
objects are never collected; they live as long as the process) and collects its young objects
after YOUNG_OBJECTS allocations, by when most of a batch's are gone."""

import gc

YOUNG_OBJECTS = 50_000


def tune_for_batches() -> None:
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])
