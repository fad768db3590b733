"""The API key check, with a limit on wrong keys per client address: guessing a key at full
speed would otherwise cost an attacker nothing."""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections import deque

from service.errors import TooManyAttempts, Unauthorized

WINDOW_S = 60.0
MAX_WRONG = 10  # wrong keys from one address within the window before it must wait


class KeyCheck:
    def __init__(self, key: str | None) -> None:
        self.key = key
        self._wrong: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, authorization: str, address: str) -> None:
        """Passes a request that carries the key; Unauthorized for one that does not, and
        TooManyAttempts (with the seconds to wait) for any from an address that sent
        MAX_WRONG wrong keys in the last WINDOW_S seconds, right key or not."""
        if not self.key:
            return
        now = time.monotonic()
        with self._lock:
            recent = self._wrong.get(address)
            while recent and now - recent[0] > WINDOW_S:
                recent.popleft()
            if recent is not None and len(recent) >= MAX_WRONG:
                wait = max(1, math.ceil(WINDOW_S - (now - recent[0])))
                raise TooManyAttempts(
                    f"too many wrong API keys from {address}; retry in {wait} s", wait
                )
        scheme, _, token = authorization.partition(" ")
        given = token.strip().encode("utf-8", "surrogateescape")
        # compare_digest takes constant time whatever the token, so timing reveals nothing
        if scheme.lower() == "bearer" and hmac.compare_digest(given, self.key.encode()):
            return
        with self._lock:
            if len(self._wrong) > 10_000:  # many addresses: forget the quiet ones
                self._wrong = {a: d for a, d in self._wrong.items() if d and now - d[-1] < WINDOW_S}
            self._wrong.setdefault(address, deque()).append(now)
        raise Unauthorized("missing or wrong API key: send 'Authorization: Bearer <key>'")
