"""The package's shape: no import cycle among service/ modules (imports inside functions and
type-checking blocks count too), no module over 400 lines, and search/ built without the index
facade."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "service"
MAX_LINES = 400
FACADE = {"service.newsindex", "service.writer", "service.opening"}
EDGES = {"service.api", "service.cli", "service.distributed"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def is_package(name: str) -> bool:
    return MODULES.get(name, Path()).name == "__init__.py"


def imported(name: str, path: Path) -> set[str]:
    """The service modules `name` imports, anywhere in its file. Importing a.b.c also runs the
    packages a.b (and a) first, so those count too, except the importer's own packages and
    the root package, which is always being imported already."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if is_package(name) else name.rpartition(".")[0]
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            targets = [base]
            # `from service.search import highlight` imports the submodule highlight
            targets += [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES]
        for target in targets:
            if not (target == "service" or target.startswith("service.")):
                continue
            while target not in MODULES and "." in target:
                target = target.rpartition(".")[0]
            parts = target.split(".")
            for depth in range(2, len(parts) + 1):
                ancestor = ".".join(parts[:depth])
                if ancestor in MODULES and not (name + ".").startswith(ancestor + "."):
                    found.add(ancestor)
    found.discard(name)
    return found


GRAPH = {name: imported(name, path) for name, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def reachable(start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in GRAPH[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_the_walk_sees_the_imports() -> None:
    # the checks below mean something only if the walk finds edges of every kind
    assert "service.search.fusion" in GRAPH["service.search.retrieval"]  # from a.b import c
    assert "service.search" in GRAPH["service.newsindex"]  # a package
    assert "service.encoders.onnxrt" in GRAPH["service.encoders.loader"]  # inside a function
    assert "service.analysis" in GRAPH["service.store.schema"]  # a plain module
    assert "service.store" not in GRAPH["service.store.fts"]  # its own package is not an edge
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles() -> None:
    assert cycles(GRAPH) == []


def test_no_module_is_over_400_lines() -> None:
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
    facade = MODULES["service.newsindex"].read_text(encoding="utf-8").splitlines()
    assert len(facade) < 250  # a facade: the work is in the parts it holds


def test_search_is_built_without_the_facade_or_the_edges() -> None:
    for name in MODULES:
        if name == "service.search" or name.startswith("service.search."):
            reached = reachable(name)
            assert not reached & FACADE, (name, reached & FACADE)
            assert not {r for r in reached if r.split(".")[:2] in [e.split(".") for e in EDGES]}


def test_the_core_never_imports_the_edges() -> None:
    core = [n for n in MODULES if not any(n == e or n.startswith(e + ".") for e in EDGES)]
    for name in core:
        edges = {m for m in GRAPH[name] if any(m == e or m.startswith(e + ".") for e in EDGES)}
        assert not edges, (name, edges)


def test_all_sql_is_in_the_store() -> None:
    outside = [
        name
        for name, path in MODULES.items()
        if not (name == "service.store" or name.startswith("service.store."))
        and any(s in path.read_text(encoding="utf-8") for s in (".execute(", "sqlite3.connect"))
    ]
    assert outside == []
