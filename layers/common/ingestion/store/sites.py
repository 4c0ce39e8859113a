"""Sites, upserted on their natural key (company and folded name) with BatchWriteItem."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ingestion.domain.formats.sites_layout import Site
from ingestion.domain.records import WriteResult
from ingestion.settings import get_settings
from ingestion.store.batch_calls import BatchWriter, JobIndex, RecordCleaner
from ingestion.store.rights import rights

# A job's sites share one key of the sites table's job-index: a sites file is small, so one key's
# 1,000 write units a second are plenty.
SITES_JOB_INDEX = JobIndex("job-index", "job_id")
# The IAM actions the sites table's writer and cleaner call (store/rights.py).
SITE_WRITES = rights("SitesTable", "dynamodb:BatchWriteItem")
SITE_REMOVAL = rights("SitesTable/index/job-index", "dynamodb:Query") | rights(
    "SitesTable", "dynamodb:DeleteItem"
)


def site_item(site: Site, job_id: str, written_at: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "site_key": {"S": site.key},
        "name": {"S": site.name},
        "site_type": {"S": site.site_type},
        "is_active": {"BOOL": site.is_active},
        "job_id": {"S": job_id},
        "written_at": {"S": written_at},
    }
    numbers = {
        "company_id": site.company_id,
        "region_id": site.region_id,
        "floor_area": site.floor_area,
        "latitude": site.latitude,
        "longitude": site.longitude,
    }
    texts = {"address": site.address, "postcode": site.postcode, "created_at": site.created_at}
    item |= {name: {"N": str(value)} for name, value in numbers.items() if value is not None}
    item |= {name: {"S": value} for name, value in texts.items() if value is not None}
    return item


class SiteWriter(BatchWriter):
    def _default_table(self) -> str:
        return get_settings().sites_table

    def upsert(
        self, sites: Iterable[Site], *, job_id: str, written_at: str, read: object = None
    ) -> WriteResult:
        """Write sites: a site met twice in one batch is written once, as it was last."""
        return self.put_items({s.key: site_item(s, job_id, written_at) for s in sites})


class SiteCleaner(RecordCleaner):
    def __init__(self, *, table: str | None = None, dynamodb: Any = None) -> None:
        super().__init__(
            table=table or get_settings().sites_table,
            key=("site_key",),
            index=SITES_JOB_INDEX,
            dynamodb=dynamodb,
        )
