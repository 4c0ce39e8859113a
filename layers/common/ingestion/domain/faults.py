"""A call to a cloud service that failed, as the service sees it: which of three kinds it is (the
store decides, store/failures.py), which service failed, and the words a person is told (pure).

A message a user reads never carries the raw error (table names, ARNs, request ids, exception
names): those go to the operator's log line, under the job id the message names."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FaultKind(StrEnum):
    THROTTLING = "throttling"  # asked to slow down: wait and go on, never fail the job for it
    TRANSIENT = "transient"  # a fault that passes (a 5xx, a network error, a timeout): retry with back-off
    PERMANENT = "permanent"  # anything else: trying again fails the same way, so the job fails at once


class Service(StrEnum):
    DATABASE = "database"
    FILES = "files"
    QUEUE = "queue"
    EVENTS = "events"
    OTHER = "other"


# Per service: what it is called, what the import could not do without it, and its kind of error.
_WORDS: dict[Service, tuple[str, str, str]] = {
    Service.DATABASE: ("the database", "save its progress", "a database error"),
    Service.FILES: ("the file storage", "read or write its files", "a file storage error"),
    Service.QUEUE: ("the work queue", "hand on its next step", "a queue error"),
    Service.EVENTS: ("the notification service", "announce its result", "a notification error"),
    Service.OTHER: ("a cloud service", "reach a service it needs", "a cloud service error"),
}


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    service: Service
    detail: str  # the raw error, for the operator's log line only

    @property
    def name(self) -> str:
        return _WORDS[self.service][0]


def _details(job_id: str) -> str:
    return f"The operator's logs have the details under job id {job_id}."


def waiting_message(fault: Fault) -> str:
    """Throttling: the job waits and goes on."""
    return f"{fault.name.capitalize()} was busy; the import will go on by itself."


def retrying_message(fault: Fault) -> str:
    """A transient fault: the job tries again after its back-off."""
    return f"{fault.name.capitalize()} had a passing fault; the import will try again by itself."


def given_up_message(fault: Fault, *, attempts: int, job_id: str) -> str:
    """A transient fault that did not pass after every retry."""
    return (
        f"{fault.name.capitalize()} kept failing ({attempts} tries), so the import was stopped; "
        f"start it again later. {_details(job_id)}"
    )


def stopped_message(fault: Fault, job_id: str) -> str:
    """A permanent fault: the job failed at once."""
    _, action, error = _WORDS[fault.service]
    return f"The import could not {action} ({error}); it was stopped. {_details(job_id)}"


def unexpected_message(*, attempts: int, job_id: str) -> str:
    """Not a cloud service's fault: something in the service itself kept failing."""
    return (
        f"The import kept failing ({attempts} tries) because of an unexpected error in the service, "
        f"and was stopped. {_details(job_id)}"
    )
