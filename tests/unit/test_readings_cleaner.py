"""Deleting a job's readings walks every key of the job-part-index, a page at a time, and says it is
done only when every one of them is empty."""

from ingestion.store.readings import JOB_PARTS, ReadingCleaner


class FakeReadingsTable:
    """The readings table as the cleaner sees it: a query of the job-part-index (up to Limit items
    of one key) and a delete conditional on job_id. It records the key each query asked for."""

    class exceptions:  # botocore's name for it
        class ConditionalCheckFailedException(Exception):
            pass

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict] = {}
        self.queries: list[str] = []

    def put(self, job_id: str, part: int, n: int) -> None:
        for i in range(n):
            sk = f"hh#{part:02d}-{i}-{len(self.items)}"
            self.items[("M", sk)] = {
                "meter": {"S": "M"},
                "sk": {"S": sk},
                "job_id": {"S": job_id},
                "job_part": {"S": f"{job_id}#{part:02d}"},
            }

    def query(
        self,
        *,
        TableName,
        IndexName,
        KeyConditionExpression,
        ExpressionAttributeNames,
        ExpressionAttributeValues,
        Limit,
    ):
        assert IndexName == "job-part-index" and ExpressionAttributeNames == {"#k": "job_part"}
        value = ExpressionAttributeValues[":v"]["S"]
        self.queries.append(value)
        found = [item for item in self.items.values() if item["job_part"]["S"] == value][:Limit]
        return {"Items": [{k: item[k] for k in ("meter", "sk", "job_part")} for item in found]}

    def delete_item(self, *, TableName, Key, ConditionExpression, ExpressionAttributeValues):
        key = (Key["meter"]["S"], Key["sk"]["S"])
        if self.items.get(key, {}).get("job_id") != ExpressionAttributeValues[":job"]:
            raise self.exceptions.ConditionalCheckFailedException()
        del self.items[key]


def cleaner(table: FakeReadingsTable) -> ReadingCleaner:
    return ReadingCleaner(table="readings", dynamodb=table)


def test_each_page_comes_from_one_part_and_the_next_starts_at_that_part():
    table = FakeReadingsTable()
    table.put("job", 0, 3)
    table.put("job", 5, 2)
    table.put("job", 15, 1)
    table.put("other", 0, 4)
    c = cleaner(table)

    pages, first_asked = [], []
    for _ in range(5):
        asked = len(table.queries)
        pages.append(c.delete_page("job", page_size=2))
        first_asked.append(table.queries[asked])

    assert pages == [2, 1, 2, 1, 0]
    # Parts emptied before are not asked again page after page (a short page empties its part)...
    assert first_asked == ["job#00", "job#00", "job#01", "job#05", "job#00"]
    # ...but the last call asked every part before answering 0.
    assert sorted(set(table.queries[-JOB_PARTS:])) == [f"job#{n:02d}" for n in range(JOB_PARTS)]
    assert [item["job_id"]["S"] for item in table.items.values()] == ["other"] * 4


def test_a_part_written_again_after_it_was_emptied_is_found_before_the_job_counts_as_done():
    table = FakeReadingsTable()
    table.put("job", 0, 1)
    table.put("job", 9, 1)
    c = cleaner(table)
    assert [c.delete_page("job"), c.delete_page("job")] == [1, 1]  # part 0, then part 9

    table.put("job", 0, 1)  # e.g. the last batch of a cancelled segment, landing late

    assert c.delete_page("job") == 1
    assert c.delete_page("job") == 0 and table.items == {}
