"""What an indexing call reports, and the callbacks that show its progress."""

from __future__ import annotations

from dataclasses import dataclass, field

from service.ingest import Skipped


@dataclass
class AddReport:
    """What an indexing call did: ids added, updated and unchanged, passages written per id,
    passages embedded and the time it took, inputs skipped and warnings. A report that is not
    `listed` (a bulk run's: millions of ids would be most of its memory) counts the articles
    (n_added, n_updated, n_unchanged) and leaves the lists and `passages` empty."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    passages: dict[str, int] = field(default_factory=dict)  # doc_id -> passages written
    listed: bool = True
    n_added: int = 0
    n_updated: int = 0
    n_unchanged: int = 0
    embedded: int = 0
    seconds: float = 0.0
    skipped: list[Skipped] = field(default_factory=list)  # inputs not indexed, and why
    warnings: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)  # ids deleted because their file is gone
    analysed: int = 0  # articles indexed before whose quotes and entities were found now
    languages: int = 0  # articles indexed before whose language was read now
    storied: int = 0  # articles indexed before that were given their story now

    def count(self, kind: str, doc_id: str, passages: int = 0) -> None:
        """Counts an article as "added", "updated" (with its passages) or "unchanged", and
        lists it if the report lists ids."""
        setattr(self, f"n_{kind}", getattr(self, f"n_{kind}") + 1)
        if self.listed:
            getattr(self, kind).append(doc_id)
            if kind != "unchanged":
                self.passages[doc_id] = passages

    @property
    def n_changed(self) -> int:
        return self.n_added + self.n_updated


class IndexProgress:
    """Callbacks for long work; the CLI draws a bar from them."""

    def start(self, total_passages: int) -> None: ...
    def advance(self, passages: int) -> None: ...
    def finish(self) -> None: ...

    # indexing files: the input size is known up front, the passage count only as it goes
    def start_input(self, total_bytes: int) -> None: ...
    def advance_input(self, nbytes: int, passages: int) -> None: ...
