"""`newsearch serve --ray --replicas N`: the same FastAPI app as `newsearch serve`, run as a Ray
Serve deployment of N replicas. Every replica opens one read-only snapshot of the index taken
at start-up, so all answer from the same data; writes are refused with 409 read_only (index
with `newsearch index` on the writer, then restart the replicas on a new snapshot)."""

from __future__ import annotations

import importlib
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.config import Settings
from service.distributed import ClusterError, connect, import_ray, quiet_ray_logs
from service.maintenance import snapshot


@dataclass(frozen=True)
class ServeOptions:
    address: str = "auto"
    replicas: int = 2
    cpus_per_replica: float = 1.0


def serve_with_ray(settings: Settings, options: ServeOptions) -> None:
    """Takes the snapshot, starts the replicas and blocks until SIGINT/SIGTERM."""
    started_here = connect(options.address)  # an unreachable cluster fails before any copy
    ray = import_ray()
    stamp = time.strftime("%Y%m%dT%H%M%S")
    info = snapshot(settings, settings.snapshots() / f"serve-{stamp}")
    replica_settings = settings.with_(index_dir=Path(info.path), read_only=True)
    serve: Any = importlib.import_module("ray.serve")
    quiet_ray_logs()
    try:
        serve.start(http_options={"host": settings.host, "port": settings.port})
        serve.run(
            deployment(replica_settings, options),
            name="newsearch",
            route_prefix="/",
            blocking=False,
        )
        print(
            f"newsearch: {options.replicas} replicas serving snapshot '{info.path}' "
            f"({info.documents} articles) on http://{settings.host}:{settings.port}; "
            "writes are refused",
            file=sys.stderr,
            flush=True,
        )
        _wait_for_signal()
    except ray.exceptions.RayError as exc:
        raise ClusterError(f"Ray Serve failed: {exc}") from None
    finally:
        serve.shutdown()
        if started_here:
            ray.shutdown()


def deployment(settings: Settings, options: ServeOptions) -> Any:
    serve: Any = importlib.import_module("ray.serve")

    def build_app() -> Any:  # runs on each replica: the index opens there, not here
        from service.api import create_app

        return create_app(settings)

    @serve.deployment(
        name="newsearch",
        num_replicas=options.replicas,
        ray_actor_options={"num_cpus": options.cpus_per_replica},
        # the app loads the model and the index before it reports healthy
        health_check_period_s=5,
    )
    @serve.ingress(build_app)
    class NewsearchReplica:
        pass

    replica: Any = NewsearchReplica  # a serve Deployment now, whatever mypy sees
    return replica.bind()


def _wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
