"""Work units: the input split into slices that are read, embedded and committed together.

The split depends only on the files and their sizes, never on who does the work, so a local
run and a Ray run embed the very same groups of texts. On CPU the ONNX encoder runs each text
alone, so its vectors depend on the text only; the batching encoders (PyTorch, a GPU) put texts
of one call into shared batches, and int8 scales activations per batch (a vector moves with its
batch-mates), so equal groups are what keeps their vectors equal too. A .jsonl file is cut into
byte ranges; a range owns every line that starts inside it (as Hadoop splits text files). A
WARC file is cut at record starts, a range owning the records that start inside it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

UNIT_BYTES = 256 * 1024  # about 300 news paragraphs of plain text: one encoder call's worth


@dataclass(frozen=True)
class Part:
    """A whole file, or the lines of a .jsonl file that start in [start, end)."""

    path: str
    start: int = 0
    end: int | None = None


@dataclass(frozen=True)
class Unit:
    number: int  # position in the input: results are committed in this order
    parts: tuple[Part, ...]
    size: int  # input bytes, for progress

    def to_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "size": self.size,
            "parts": [[p.path, p.start, p.end] for p in self.parts],
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Unit:
        parts = tuple(Part(str(p[0]), int(p[1]), p[2]) for p in data["parts"])  # type: ignore[attr-defined]
        return cls(int(data["number"]), parts, int(data["size"]))  # type: ignore[call-overload]


def plan_units(files: list[Path], unit_bytes: int = UNIT_BYTES) -> list[Unit]:
    """Consecutive files (and .jsonl ranges) of about `unit_bytes` each, in input order."""
    units: list[Unit] = []
    parts: list[Part] = []
    size = 0

    def close() -> None:
        nonlocal parts, size
        if parts:
            units.append(Unit(len(units), tuple(parts), size))
            parts, size = [], 0

    for path in files:
        length = path.stat().st_size
        if length > unit_bytes and (cuts := _cuts(path, length, unit_bytes)):
            close()
            for start, end in zip(cuts, [*cuts[1:], length], strict=True):
                parts, size = [Part(str(path), start, end)], end - start
                close()
            continue
        parts.append(Part(str(path)))
        size += length
        if size >= unit_bytes:
            close()
    close()
    return units


def _cuts(path: Path, length: int, unit_bytes: int) -> list[int]:
    """Where the units of a large .jsonl or WARC file start; [] for a file read whole."""
    if path.suffix.lower() == ".jsonl":
        return list(range(0, length, unit_bytes))
    from service.ingest.warc import is_warc, record_offsets

    if not is_warc(path):
        return []
    try:
        offsets = record_offsets(path)
    except Exception:  # noqa: BLE001 - an unreadable crawl is reported when it is read
        return []
    cuts = [0]
    for offset in offsets:
        if offset - cuts[-1] >= unit_bytes:
            cuts.append(offset)  # a unit starts at a record: a gzip crawl is entered there
    return cuts


def jsonl_range(path: Path, start: int, end: int | None) -> Iterator[bytes]:
    """Each line of `path` that starts in [start, end) (end None: to the end of the file)."""
    with path.open("rb") as handle:
        if start > 0:
            handle.seek(start - 1)
            if handle.read(1) != b"\n":
                handle.readline()  # the rest of a line that began in the previous range
        position = handle.tell()
        while end is None or position < end:
            line = handle.readline()
            if not line:
                return
            yield line
            position += len(line)


def line_number(path: Path, offset: int, within: int) -> int:
    """The file's line number of the `within`-th (1-based) line at or after byte `offset`.
    Counted only for an error message, so splitting a file costs no extra reads."""
    if offset == 0:
        return within
    count = 0
    with path.open("rb") as handle:
        remaining = offset - 1
        while remaining > 0:
            block = handle.read(min(remaining, 1 << 20))
            if not block:
                break
            count += block.count(b"\n")
            remaining -= len(block)
    # whether byte offset-1 ends a line or not, the first line starting at or after offset is
    # number count + 2
    return count + 1 + within
