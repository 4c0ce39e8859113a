"""What kind of fault an AWS error is (domain/faults.py): throttling, transient or permanent.

pynamodb's exceptions (UpdateError, GetError, PutError, ...) are not ClientErrors: the botocore
error that says what happened is their `cause`, so they are classified by it. botocore has
already retried throttling and 5xx answers (store/clients.py) by the time one reaches us."""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    IncompleteReadError,
)
from pynamodb.exceptions import PynamoDBException

from ingestion.domain.errors import WriteThrottledError
from ingestion.domain.faults import Fault, FaultKind, Service

# Every failure of a call to AWS, as the store lets it through: classify() says which kind it is.
AWS_ERRORS: tuple[type[Exception], ...] = (PynamoDBException, ClientError, BotoCoreError, WriteThrottledError)

THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "SlowDown",
    }
)
TRANSIENT_CODES = frozenset(
    {
        "InternalServerError",
        "InternalFailure",
        "InternalError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
        "TransactionConflictException",
    }
)
# Network errors and timeouts: the request may never have arrived.
_TRANSIENT_BOTOCORE = (HTTPClientError, ConnectionError, IncompleteReadError)

_DATABASE_OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchWriteItem",
        "BatchGetItem",
        "TransactWriteItems",
        "TransactGetItems",
    }
)
_SERVICE_OF_ENDPOINT = (
    ("dynamodb", Service.DATABASE),
    ("s3", Service.FILES),
    ("sqs", Service.QUEUE),
    ("events", Service.EVENTS),
)


def classify(error: Exception) -> Fault:
    """The kind of fault, the service that failed, and the raw error (for the log line only)."""
    detail = describe(error)
    if isinstance(error, WriteThrottledError):
        return Fault(FaultKind.THROTTLING, Service.DATABASE, detail)
    if isinstance(error, PynamoDBException):
        cause = error.cause
        if not isinstance(cause, (ClientError, BotoCoreError)):
            return Fault(FaultKind.PERMANENT, Service.DATABASE, detail)
        return Fault(_kind(cause), Service.DATABASE, detail)
    if isinstance(error, (ClientError, BotoCoreError)):
        return Fault(_kind(error), _service(error), detail)
    return Fault(FaultKind.PERMANENT, Service.OTHER, detail)


def describe(error: BaseException) -> str:
    """The raw error, for an operator: its type and text, and what it wraps (pynamodb's cause
    names the table and the request id)."""
    text = f"{type(error).__name__}: {error}"
    cause = getattr(error, "cause", None) if isinstance(error, PynamoDBException) else None
    if cause is not None and str(cause) not in text:
        text += f" (cause: {type(cause).__name__}: {cause})"
    return text


def _kind(error: ClientError | BotoCoreError) -> FaultKind:
    if isinstance(error, BotoCoreError):
        return FaultKind.TRANSIENT if isinstance(error, _TRANSIENT_BOTOCORE) else FaultKind.PERMANENT
    code = error.response.get("Error", {}).get("Code")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    if code in THROTTLING_CODES or status == 429:
        return FaultKind.THROTTLING
    if code in TRANSIENT_CODES or status >= 500:
        return FaultKind.TRANSIENT
    return FaultKind.PERMANENT


def _service(error: ClientError | BotoCoreError) -> Service:
    if isinstance(error, ClientError):
        operation = error.operation_name
        if operation in _DATABASE_OPERATIONS:
            return Service.DATABASE
        if operation.endswith(("Object", "Objects", "ObjectsV2", "Upload", "Part")):
            return Service.FILES
        if operation.startswith(("SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessage")):
            return Service.QUEUE
        if operation == "PutEvents":
            return Service.EVENTS
        return Service.OTHER
    endpoint = str(getattr(error, "kwargs", {}).get("endpoint_url") or "")
    host = endpoint.split("://", 1)[-1]
    for prefix, service in _SERVICE_OF_ENDPOINT:
        if host.startswith(f"{prefix}.") or f".{prefix}." in host:
            return service
    return Service.OTHER
