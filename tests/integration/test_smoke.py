from tests.support import SAMPLES, QueueDriver, call, http_event, readings_of


def test_direct_upload_of_the_long_sample_completes(stack):
    body = (SAMPLES / "hh_long_with_flags.csv").read_bytes()
    created = call(
        "upload",
        http_event("POST", "/imports", body=body, content_type="text/csv", query={"filename": "ae.csv"}),
    )
    assert created["statusCode"] == 202, created
    QueueDriver(stack.queue_url).drain()
    job = call(
        "status",
        http_event(
            "GET",
            f"/imports/{created['json']['job_id']}",
            route="GET /imports/{job_id}",
            path_parameters={"job_id": created["json"]["job_id"]},
        ),
    )
    assert job["json"]["status"] == "completed"
    assert len(readings_of(stack.readings_table)) == job["json"]["readings_written"]
