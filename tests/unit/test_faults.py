"""Every AWS error is one of three kinds (store/failures.py classify): throttling, transient or
permanent, looking through pynamodb's wrapper to the botocore error that says what happened; and
the words a person reads about it carry none of the raw error (domain/faults.py)."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
    ResponseStreamingError,
)
from pynamodb.exceptions import GetError, PutError, QueryError, UpdateError, VerboseClientError

from ingestion.domain.errors import WriteThrottledError
from ingestion.domain.faults import FaultKind, Service, given_up_message, stopped_message, waiting_message
from ingestion.store.failures import classify

TABLE_ARN = "arn:aws:dynamodb:eu-west-2:123456789012:table/csv-import-jobs"


def client_error(code: str, operation: str = "UpdateItem", status: int = 400) -> VerboseClientError:
    return VerboseClientError(
        {
            "Error": {"Code": code, "Message": f"something about {TABLE_ARN}"},
            "ResponseMetadata": {"HTTPStatusCode": status, "RequestId": "REQ0123456789"},
        },
        operation,
        {"table_name": "csv-import-jobs", "request_id": "REQ0123456789"},
    )


def wrapped(code: str, status: int = 400, kind=UpdateError) -> Exception:
    cause = client_error(code, status=status)
    return kind(f"Failed: {cause}", cause)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        # pynamodb's exceptions are classified by the ClientError they wrap
        (wrapped("ProvisionedThroughputExceededException"), FaultKind.THROTTLING),
        (wrapped("ThrottlingException", kind=GetError), FaultKind.THROTTLING),
        (wrapped("RequestLimitExceeded", kind=PutError), FaultKind.THROTTLING),
        (wrapped("InternalServerError", 500), FaultKind.TRANSIENT),
        (wrapped("ServiceUnavailable", 503, kind=QueryError), FaultKind.TRANSIENT),
        (wrapped("ValidationException"), FaultKind.PERMANENT),
        (wrapped("AccessDeniedException"), FaultKind.PERMANENT),
        (wrapped("ResourceNotFoundException"), FaultKind.PERMANENT),
        (UpdateError("Failed to update item"), FaultKind.PERMANENT),  # no cause: nothing says it passes
        # botocore's own errors
        (client_error("SlowDown", "PutObject", 503), FaultKind.THROTTLING),
        (client_error("InternalError", "GetObject", 500), FaultKind.TRANSIENT),
        (client_error("SomethingNew", "SendMessage", 502), FaultKind.TRANSIENT),  # any 5xx
        (client_error("AccessDenied", "GetObject", 403), FaultKind.PERMANENT),
        (client_error("ValidationException", "BatchWriteItem"), FaultKind.PERMANENT),
        (EndpointConnectionError(endpoint_url="https://s3.eu-west-2.amazonaws.com"), FaultKind.TRANSIENT),
        (ConnectTimeoutError(endpoint_url="https://dynamodb.eu-west-2.amazonaws.com"), FaultKind.TRANSIENT),
        (ReadTimeoutError(endpoint_url="https://dynamodb.eu-west-2.amazonaws.com"), FaultKind.TRANSIENT),
        (ResponseStreamingError(error="connection reset"), FaultKind.TRANSIENT),
        (ParamValidationError(report="bad parameter"), FaultKind.PERMANENT),
        (NoCredentialsError(), FaultKind.PERMANENT),
        # ours: DynamoDB kept items unprocessed after every resend
        (WriteThrottledError("3 items still unprocessed"), FaultKind.THROTTLING),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
def test_each_error_is_one_kind(error, kind):
    assert classify(error).kind is kind


@pytest.mark.parametrize(
    ("error", "service"),
    [
        (wrapped("ValidationException"), Service.DATABASE),
        (WriteThrottledError("x"), Service.DATABASE),
        (client_error("AccessDenied", "PutObject", 403), Service.FILES),
        (client_error("AccessDenied", "SendMessage", 403), Service.QUEUE),
        (EndpointConnectionError(endpoint_url="https://s3.eu-west-2.amazonaws.com"), Service.FILES),
        (NoCredentialsError(), Service.OTHER),
    ],
)
def test_the_fault_says_which_service_failed(error, service):
    assert classify(error).service is service


def test_the_raw_error_is_kept_for_the_log_and_kept_out_of_every_message():
    fault = classify(wrapped("ValidationException"))
    assert "csv-import-jobs" in fault.detail and TABLE_ARN in fault.detail and "REQ0123456789" in fault.detail
    assert "UpdateError" in fault.detail
    for message in (
        waiting_message(fault),
        stopped_message(fault, "job-1"),
        given_up_message(fault, attempts=4, job_id="job-1"),
    ):
        for raw in ("csv-import-jobs", "arn:aws", "REQ0123456789", "UpdateError", "ValidationException"):
            assert raw not in message
    assert stopped_message(fault, "job-1") == (
        "The import could not save its progress (a database error); it was stopped. "
        "The operator's logs have the details under job id job-1."
    )
