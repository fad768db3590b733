"""The newsearch exception tree: each error knows its HTTP status and its one-line message.

NewsearchError                 base; never raised directly
├── InputError (422)           bad query, k, date, file content ...
│   └── PayloadTooLarge (413)
├── NotFound (404)             unknown document
├── IndexMissing (409)         no index where one was expected
├── IndexMismatch (409)        index built with another model
├── IndexCorrupt (500)         a file of the index cannot be trusted
├── Unauthorized (401)
└── NotReady (503)
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


class NotFound(NewsearchError):
    status = 404
    code = "not_found"


class IndexMissing(NewsearchError):
    status = 409
    code = "index_missing"


class IndexMismatch(NewsearchError):
    status = 409
    code = "index_mismatch"


class IndexCorrupt(NewsearchError):
    status = 500
    code = "index_corrupt"


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
