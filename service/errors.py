"""The newsearch exception tree: each error knows its HTTP status and its one-line message.

NewsearchError                   base; never raised directly
├── InputError (422)             bad query, k, date, file content ...
│   └── PayloadTooLarge (413)    a request body over the limit
├── NotFound (404)               unknown document
├── IndexMissing (409)           no index where one was expected
├── IndexMismatch (409)          index built with another model
├── IndexBusy (409)              another process holds the index's writer lock
├── ReadOnly (409)               a write to an index or server opened read-only
├── Unauthorized (401)           missing or wrong API key
├── TooManyAttempts (429)        too many wrong API keys from one address
├── CrossSite (403)              a state-changing request a browser could send from another site
├── HostNotAllowed (400)         a Host header not on the allow-list (DNS rebinding)
├── NotReady (503)               the server is still loading
├── IndexDamaged (503)           a served database failed its live check: restore a snapshot
├── InsufficientStorage (507)    the disk is full (nothing committed before is lost)
├── IndexCorrupt (500)           a file of the index cannot be trusted
├── MissingDependency (500)      an optional package is not installed (with its pip line)
├── ServerError (502, or the server's status)   a `newsearch serve` answered an error
└── ClusterError (500)           the Ray cluster cannot be reached or failed
"""

from __future__ import annotations


class NewsearchError(Exception):
    """Base of every error newsearch raises on purpose; the message is meant for a person."""

    status: int = 400
    code: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(NewsearchError):
    status = 422
    code = "invalid_input"


class PayloadTooLarge(InputError):
    status = 413
    code = "payload_too_large"

    @classmethod
    def for_size(cls, size: int, limit: int) -> PayloadTooLarge:
        """The error for a body of `size` bytes (negative: a length that is not a number)."""
        what = f"{size:,} bytes" if size >= 0 else "of an invalid length"
        return cls(f"request body is {what}, over the {limit:,} byte limit")


class NotFound(NewsearchError):
    status = 404
    code = "not_found"


class IndexMissing(NewsearchError):
    status = 409
    code = "index_missing"


class IndexMismatch(NewsearchError):
    status = 409
    code = "index_mismatch"


class IndexBusy(NewsearchError):
    status = 409
    code = "index_busy"


class ReadOnly(NewsearchError):
    status = 409
    code = "read_only"


class Unauthorized(NewsearchError):
    status = 401
    code = "unauthorized"


class NotReady(NewsearchError):
    status = 503
    code = "not_ready"


class IndexDamaged(NewsearchError):
    status = 503
    code = "index_damaged"


class InsufficientStorage(NewsearchError):
    status = 507
    code = "insufficient_storage"


class CrossSite(NewsearchError):
    status = 403
    code = "cross_site_refused"


class HostNotAllowed(NewsearchError):
    status = 400
    code = "host_not_allowed"


class TooManyAttempts(NewsearchError):
    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class IndexCorrupt(NewsearchError):
    status = 500
    code = "index_corrupt"


class MissingDependency(NewsearchError):
    """An optional package is missing; the message ends with the line that installs it."""

    status = 500
    code = "missing_dependency"

    def __init__(self, what: str, install: str, otherwise: str = "") -> None:
        other = f", or {otherwise}" if otherwise else ""
        super().__init__(
            f"{what} needs a package that is not installed: pip install {install}{other}"
        )
        self.install = install


class ServerError(NewsearchError):
    """A running `newsearch serve` could not be reached, or answered with an error."""

    code = "server_error"

    def __init__(self, message: str, status: int = 502) -> None:
        super().__init__(message)
        self.status = status


class ClusterError(NewsearchError):
    status = 500
    code = "cluster_error"
