"""The shape of the house: no import cycles, and pure kernels free of the ORM and the web."""

from __future__ import annotations

import ast
from pathlib import Path

import tightnut

ROOT = Path(tightnut.__file__).parent
KERNELS = (
    "tightnut.gate.kernel",
    "tightnut.gate.shifts",
    "tightnut.maintenance.due",
    "tightnut.maintenance.rows",
    "tightnut.rules.evaluate",
)
IMPURE = ("sqlalchemy", "fastapi", "starlette", "tightnut.db")
ENTRY_POINTS = ("routes", "pages", "cli")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in ROOT.rglob("*.py")}


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every tightnut module ``path`` imports, at the top or deferred inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in modules else node.module)
    return {name for name in found if name in modules}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules along it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        stack.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return None


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def test_no_module_imports_itself_back_through_others() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, " → ".join(cycle or ())


def _domain(module: str) -> str | None:
    """The domain package of a module below a domain (not an entry point: routes, cli, and
    the page modules, ``pages`` and the ones it includes, named ``…page`` or ``…pages``)."""
    parts = module.split(".")
    if len(parts) < 3 or parts[-1] in ENTRY_POINTS or parts[-1].endswith(("page", "pages")):
        return None
    return parts[1]


def test_domains_do_not_import_each_other_both_ways() -> None:
    arrows = {
        (source_domain, target_domain)
        for source, targets in _graph().items()
        for target in targets
        if (source_domain := _domain(source))
        and (target_domain := _domain(target))
        and source_domain != target_domain
    }
    both_ways = sorted((a, b) for a, b in arrows if (b, a) in arrows and a < b)
    assert both_ways == []


def test_pure_kernels_import_neither_the_orm_nor_the_web() -> None:
    modules = _modules()
    for kernel in KERNELS:
        tree = ast.parse(modules[kernel].read_text(encoding="utf-8"))
        names = [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        ] + [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        impure = [n for n in names if n.startswith(IMPURE)]
        assert impure == [], f"{kernel} imports {impure}"


def test_the_gate_has_no_registry_to_forget() -> None:
    from tightnut.gate import service

    assert not hasattr(service, "REASON_PROVIDERS")
    assert not (ROOT / "wiring.py").exists()
