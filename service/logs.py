"""How newsearch speaks in logs: every library message goes to the "newsearch" loggers, and
the edges (the CLI, `newsearch serve`) print them on stderr, one line each, as text
("newsearch: ...") or as JSON objects (`--log-format json`, for a log collector)."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

FORMATS = ("text", "json")


class _Text(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = getattr(record, "fields", {})
        if record.name == "newsearch.access" and fields:
            return (
                f"newsearch: {fields['client']} {fields['method']} {fields['path']} "
                f"{fields['status']} {fields['ms']:.1f} ms"
            )
        return f"newsearch: {record.getMessage()}"


class _Json(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry, ensure_ascii=False)


def configure(log_format: str = "text", level: int = logging.INFO) -> None:
    """Sends the "newsearch" loggers to stderr in `log_format`, once per process."""
    root = logging.getLogger("newsearch")
    for handler in list(root.handlers):
        if getattr(handler, "_newsearch", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Json() if log_format == "json" else _Text())
    handler._newsearch = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
