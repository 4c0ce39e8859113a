"""The ingest queue's messages: work on one shard of one job, or remove a deleted job."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingestion.domain.job import JOB_ID_MAX_LENGTH


class IngestMessage(BaseModel):
    """Body of an ingest queue message: work on one shard of one job, as segment N of its chain;
    with action "delete", remove a deleted job's readings, file and record; with action "cover",
    build the coverage of an ended job that has none (asked for by the status function, whose
    time would not hold a large job's)."""

    model_config = ConfigDict(extra="ignore")

    job_id: Annotated[str, Field(min_length=1, max_length=JOB_ID_MAX_LENGTH)]
    shard: Annotated[int, Field(ge=0)] = 0
    segment: Annotated[int, Field(ge=1)] = 1
    action: Literal["ingest", "delete", "cover"] = "ingest"
