"""What a server tells its operator: one access-log line per request (method, path, status,
milliseconds; JSON with --log-format json) and Prometheus metrics at /metrics (requests and
latency by route, and the index's size and write generation, read when scraped)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

access = logging.getLogger("newsearch.access")
MAX_PATH_CHARS = 300  # a logged path (and query) is cut here: one line stays one line
LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


class Metrics:
    """One app's metrics, in a registry of its own (several apps may share a process)."""

    def __init__(self, index_facts: Callable[[], tuple[int, int, int] | None]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "newsearch_requests",
            "HTTP requests answered, by route, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "newsearch_request_seconds",
            "time to answer an HTTP request, by route",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_IndexCollector(index_facts))


class _IndexCollector(Collector):
    def __init__(self, facts: Callable[[], tuple[int, int, int] | None]) -> None:
        self.facts = facts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        found = self.facts()
        if found is None:  # still loading
            return
        documents, passages, generation = found
        yield GaugeMetricFamily("newsearch_documents", "articles in the index", value=documents)
        yield GaugeMetricFamily("newsearch_passages", "passages in the index", value=passages)
        yield GaugeMetricFamily(
            "newsearch_generation", "the index's write generation", value=generation
        )


class Observer:
    """ASGI middleware: times each request, logs it, counts it."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # if the app dies before it answers

        async def sending(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope.get("method", "")
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route).observe(seconds)
            query = scope.get("query_string", b"").decode("latin-1")
            path = scope.get("path", "") + (f"?{query}" if query else "")
            client = scope.get("client") or ("-", 0)
            access.info(
                "%s %s %s",
                method,
                path[:MAX_PATH_CHARS],
                status,
                extra={
                    "fields": {
                        "client": client[0],
                        "method": method,
                        "path": path[:MAX_PATH_CHARS].encode("unicode_escape").decode("ascii"),
                        "route": route,
                        "status": status,
                        "ms": round(seconds * 1000, 2),
                    }
                },
            )
