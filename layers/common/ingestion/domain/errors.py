"""Domain errors. The ServiceError family is what a caller is told: the HTTP layer maps each type to
one status code (http/error_answers.py). The others are raised by the store and handled by the services."""


class ServiceError(Exception):
    """Base of the errors a caller is told about."""


class InvalidRequestError(ServiceError):
    """The request is malformed or asks for something unsupported (400)."""


class UnauthenticatedError(ServiceError):
    """The request carries no usable caller identity (401)."""


class ForbiddenError(ServiceError):
    """The caller is signed in but may not do this: it is for administrators (403)."""


class JobNotFoundError(ServiceError):
    """No such job, or it belongs to someone else (404: existence is not revealed)."""


class ProfileNotFoundError(ServiceError):
    """No such profile among the caller's (404: another user's profile is not revealed)."""


class ProfileLimitError(ServiceError):
    """The caller already keeps as many profiles as one user may (409: delete one first)."""


class JobConflictError(ServiceError):
    """The job is in a state that does not allow the operation (409)."""


class SettingsConflictError(ServiceError):
    """Settings were saved from an older version than the stored one: someone else changed them (409)."""


class GoneError(ServiceError):
    """What was asked for existed once and has expired (410)."""


class PayloadTooLargeError(ServiceError):
    """The file is larger than this way of uploading allows (413)."""


class UnprocessableFileError(ServiceError):
    """The request is well formed but the file cannot be handled this way (422)."""


class QuotaExceededError(ServiceError):
    """The caller already has as many imports going as one user may (429)."""


class ObjectMissingError(Exception):
    """The job's file is not in the bucket."""


class ObjectReplacedError(ObjectMissingError):
    """The object the job started on is gone: another upload replaced it under the same key."""


class StaleWriteError(Exception):
    """A conditional write found the job already moved on: the work was done by someone else."""


class StaleSettingsError(Exception):
    """The stored settings are not at the version the save expected: someone else saved first."""


class WriteThrottledError(Exception):
    """DynamoDB kept some items unprocessed after every retry (transient: retry the batch later)."""
