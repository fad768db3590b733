"""schemathesis against the live /openapi.json: bounded, seeded, every check on, every phase
(examples, coverage, fuzzing, stateful sequences of calls). Zero 5xx and every response
matching the schema, over at least 5,000 generated requests."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.conftest import build_seed_index
from tests.conftest import FAKE_MODEL
from tests.server_helpers import running_server

pytestmark = pytest.mark.fuzz
ST = shutil.which("st", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(ST is None, reason="schemathesis is in the [dev] extra")
def test_schemathesis_finds_nothing(tmp_path: Path) -> None:
    index_dir = build_seed_index(tmp_path / "idx")
    report = tmp_path / "st.json"
    with running_server(index_dir, model=FAKE_MODEL) as server:
        run = subprocess.run(
            [
                str(ST),
                "--config-file",
                str(Path(__file__).with_name("schemathesis.toml")),
                "run",
                f"{server.url}/openapi.json",
                "--checks",
                "all",
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--max-examples",
                "600",
                # a program's client header: writes are then exercised, not refused as
                # cross-site (service.api.guards)
                "--header",
                "X-Newsearch-Client: schemathesis",
                "--seed",
                "20210512",
                "--no-color",
                "--report-json-path",
                str(report),
            ],
            capture_output=True,
            text=True,
            timeout=900,
        )
        log = server.log.read_text()
    summary = json.loads(report.read_text())
    generated = summary["test_cases"]["generated"]
    print(
        f"schemathesis: {generated} requests generated, "
        f"{summary['test_cases']['with_failures']} with failures"
    )
    assert run.returncode == 0, run.stdout[-4000:]
    assert generated >= 5000
    assert " 500 " not in log and "Traceback" not in log
