"""No import cycles among rlvr's modules, function-level (lazy) imports included.

A cycle hidden behind a function-level import still ties two modules into one: neither can
be read, tested or replaced alone, and the lazy import that hides it breaks the day someone
moves it to the top. grimp (import-linter's graph library) reads every import statement of
the package, those inside functions too, without running the modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

grimp = pytest.importorskip("grimp")


def find_cycles(graph: Any, package: str) -> list[tuple[str, ...]]:
    """One shortest cycle through each module that lies on one, as its chain of modules."""
    cycles: dict[frozenset[str], tuple[str, ...]] = {}
    modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    for module in modules:
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back:
                chain = (module, *back)
                cycles.setdefault(frozenset(chain), chain)
    return sorted(cycles.values())


def test_rlvr_has_no_import_cycles() -> None:
    graph = grimp.build_graph("rlvr", cache_dir=None)
    cycles = find_cycles(graph, "rlvr")
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_a_cycle_through_a_function_level_import_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check can fail: a package whose only cycle hides inside a function."""
    package = tmp_path / "cyclic_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cyclic_pkg import b\n")
    (package / "b.py").write_text("def later():\n    from cyclic_pkg import a\n")
    (package / "c.py").write_text("from cyclic_pkg import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    cycles = find_cycles(grimp.build_graph("cyclic_pkg", cache_dir=None), "cyclic_pkg")
    assert cycles == [("cyclic_pkg.a", "cyclic_pkg.b", "cyclic_pkg.a")]
