"""Start a real `newsearch serve` (uvicorn) on a free loopback port, and stop it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import FAKE_MODEL, NLP_OFF, ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    def __init__(self, proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.proc = proc
        self.url = url
        self.log = log

    def client(self, **kwargs: object) -> httpx.Client:
        """An HTTP client as a program (not a page) is: it sends the newsearch client header,
        which writes need (service.api.guards)."""
        headers = {"X-Newsearch-Client": "tests", **dict(kwargs.pop("headers", {}) or {})}  # type: ignore[call-overload]
        return httpx.Client(base_url=self.url, timeout=60, headers=headers, **kwargs)  # type: ignore[arg-type]

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(
    index_dir: Path,
    *args: str,
    env: dict[str, str] | None = None,
    model: str | None = None,
    timeout: float = 120.0,
) -> Server:
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("NEWSEARCH_")}
    if model:
        environ["NEWSEARCH_MODEL"] = model
    if model == FAKE_MODEL:  # as the quick tests' index: no quote finding unless env asks
        environ["NEWSEARCH_NLP"] = NLP_OFF
    environ.update(env or {})
    log = index_dir.parent / f"server-{port}.log"
    handle = log.open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "service.cli",
            "serve",
            "--index-dir",
            str(index_dir),
            "--port",
            str(port),
            *args,
        ],
        cwd=ROOT,
        env=environ,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return Server(proc, url, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server did not become healthy: {log.read_text()}")


@contextmanager
def running_server(index_dir: Path, *args: str, **kwargs: object) -> Iterator[Server]:
    server = start_server(index_dir, *args, **kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()
