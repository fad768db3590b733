"""What a running server does in the background: saves changed vectors every few seconds
(SQLite already holds every write) and checks the database every few minutes, so damage done to
the file while it is served is found, reported by /health and stops writes, instead of being
vouched for with a checksum at shutdown."""

from __future__ import annotations

import logging
import threading
import time

from service.config import Settings
from service.newsindex import NewsIndex

log = logging.getLogger("newsearch.api")


class Upkeep:
    def __init__(self, index: NewsIndex, settings: Settings) -> None:
        self.index = index
        self.settings = settings
        self.damaged: str | None = None  # the message, once a check found damage
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="newsearch-upkeep", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def check(self) -> str | None:
        """Checks the database now; the damage message, or None when it is sound."""
        problems = self.index.verify()
        if problems:
            self.damaged = self.index.files.damaged(problems).message
            log.error("the index database failed its check: %s", "; ".join(problems[:5]))
        return self.damaged

    def _run(self) -> None:
        next_check = time.monotonic() + self.settings.check_seconds
        while not self._stop.wait(self.settings.flush_seconds):
            try:
                self.index.flush()
            except Exception:  # a failed save is retried; SQLite still has every write
                log.exception("saving the vectors failed; will retry")
            if self.settings.check_seconds > 0 and time.monotonic() >= next_check:
                next_check = time.monotonic() + self.settings.check_seconds
                try:
                    self.check()
                except Exception:
                    log.exception("checking the database failed")
