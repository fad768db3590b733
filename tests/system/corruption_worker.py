"""Worker for test_corruption.py: damages copies of a pristine index in seeded ways and reports,
one JSON line per trial, whether newsearch detected it (an error naming the file and a repair
command) or answered exactly as before. Runs in its own process, so a segfault shows."""

from __future__ import annotations

import json
import random
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

from service import NewsearchError, NewsIndex, SearchRequest, Settings

FILES = ("newsearch.db", "vectors.faiss", "manifest.json")
REPAIRS = ("newsearch check --repair", "newsearch snapshot", "newsearch index")
QUERIES = ("what did Blinken tell Abbas", "rockets fired at Jerusalem", "Hady Amr envoy")
MODEL = "hashing-64"


def answers(index_dir: Path) -> list[Any]:
    out = []
    with NewsIndex.open(Settings(index_dir=index_dir, model=MODEL)) as index:
        for query in QUERIES:
            for mode in ("dense", "keyword", "hybrid"):
                hits = index.search(SearchRequest(query, k=5, mode=mode)).results
                out.append([(h.doc_id, h.paragraph, h.text, round(h.score, 4)) for h in hits])
    return json.loads(json.dumps(out))


def damage(path: Path, rng: random.Random) -> str:
    data = bytearray(path.read_bytes())
    kind = rng.choice(("truncate", "zero", "flip"))
    if kind == "truncate":
        cut = rng.randrange(0, len(data))
        path.write_bytes(bytes(data[:cut]))
        return f"truncate at {cut}/{len(data)}"
    start = rng.randrange(0, len(data))
    if kind == "zero":
        length = rng.choice((1, 8, 64, 4096))
        data[start : start + length] = bytes(len(data[start : start + length]))
        path.write_bytes(bytes(data))
        return f"zero {length} bytes at {start}"
    bits = rng.choice((1, 1, 2, 8))
    for _ in range(bits):
        at = rng.randrange(0, len(data))
        data[at] ^= 1 << rng.randrange(8)
    path.write_bytes(bytes(data))
    return f"flip {bits} bit(s) from {start}"


def main() -> None:
    pristine, work, seed, trials = (
        Path(sys.argv[1]),
        Path(sys.argv[2]),
        int(sys.argv[3]),
        int(sys.argv[4]),
    )
    truth = answers(pristine)
    rng = random.Random(seed)
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("hang")))
    for trial in range(trials):
        target = work / f"t{trial}"
        shutil.copytree(pristine, target)
        name = rng.choice(FILES)
        how = damage(target / name, rng)
        record = {"trial": trial, "file": name, "damage": how}
        signal.alarm(20)
        try:
            got = answers(target)
            record["outcome"] = "same answers" if got == truth else "WRONG ANSWERS"
        except NewsearchError as exc:
            named = name in exc.message and any(r in exc.message for r in REPAIRS)
            record["outcome"] = "detected" if named else "UNCLEAR ERROR"
            record["message"] = exc.message
        except TimeoutError:
            record["outcome"] = "HANG"
        except Exception as exc:  # noqa: BLE001 - the point is to see anything unexpected
            record["outcome"] = "UNEXPECTED " + type(exc).__name__
            record["message"] = str(exc)[:300]
        finally:
            signal.alarm(0)
        shutil.rmtree(target)
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
