"""Running newsearch on a Ray cluster (the optional `ray` extra): indexing with Ray Data
(`ray_index`) and serving with Ray Serve replicas (`ray_serve`)."""

from __future__ import annotations

import logging
import os
import socket
import warnings
from typing import Any

from service.errors import ClusterError, MissingDependency

__all__ = ["ClusterError", "connect", "import_ray", "quiet_ray_logs"]


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise MissingDependency("--ray", "'newsearch[ray]'") from None
    return ray


def connect(address: str) -> bool:
    """Joins (or starts) a Ray cluster; returns True when this call started the connection
    (so the caller shuts it down), False when the process was already connected.

    "auto" joins the cluster that `ray start --head` runs on this machine, or starts a local
    one if none runs; "local" always starts a local one; anything else is a head address."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    # Ray would otherwise print each worker's output and a dashboard banner into ours
    options: dict[str, Any] = {
        "include_dashboard": False,
        "log_to_driver": False,
        "logging_level": logging.WARNING,
    }
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    quiet_ray_logs()
    try:
        if address == "local":
            ray.init(**options)
        elif address == "auto":
            try:
                ray.init(address="auto", **options)
            except ConnectionError:
                ray.init(**options)
        else:
            _check_reachable(address)
            ray.init(address=address, **options)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        raise ClusterError(f"cannot reach the Ray cluster at {address!r}: {exc}") from None
    quiet_ray_logs()
    return True


def _check_reachable(address: str) -> None:
    """Ray retries an unreachable head for minutes; a person wants to know in seconds."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ClusterError(
            f"--ray wants auto, local or a head address HOST:PORT (e.g. 10.0.0.5:6379), "
            f"not {address!r}"
        )
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        raise ClusterError(
            f"cannot reach the Ray head at {address} ({exc.strerror or exc}); "
            "start it with `ray start --head` or use --ray local"
        ) from None


def quiet_ray_logs() -> None:
    """Ray's notices (auth token, progress bars, concurrency hints) are for Ray developers;
    our users get our progress bar and our errors."""
    for name in ("ray", "ray.data", "ray.serve", "ray._private"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"ray\..*")
