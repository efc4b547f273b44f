"""The package's layers, as a test: a module imports only its own layer and the ones below it, and no
two modules import each other, even for types. A newcomer reading the folder names reads the data flow.

    content  <  pipeline  <  web  <  mail  <  archive  <  editor  <  cli

content: what an issue is and how it is read and checked; pipeline: a checked issue into a PDF;
web: the web edition (pages, feeds); mail: the email edition and its sending;
archive: storing, finding and extracting issues; editor: the editor's loop (new issue, watch, preview,
bench); cli: the commands.
"""

from __future__ import annotations

import ast
from pathlib import Path

from issuepdf.content.paths import SOURCE_ROOT

PACKAGE = SOURCE_ROOT / "src" / "issuepdf"
LAYERS = ["content", "pipeline", "web", "mail", "archive", "editor", "cli"]
"""Lowest first; `__init__` and `__main__` sit with the CLI."""
MAX_LINES = 450
"""About 400 lines, with room: a module over it is split (see test_no_module_is_too_long_to_read_at_once)."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    part = module.split(".")[1] if "." in module else "cli"
    return LAYERS.index(part) if part in LAYERS else LAYERS.index("cli")


def imports(path: Path) -> set[str]:
    """Every issuepdf module `path` imports, at the top, inside functions or under TYPE_CHECKING."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            names = [f"{target}.{alias.name}" for alias in node.names]
            found |= {
                name if (PACKAGE.parent / name.replace(".", "/")).with_suffix(".py").is_file() else target
                for name in names
            }
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name.startswith("issuepdf") and name != module}


def graph() -> dict[str, set[str]]:
    return {module_name(path): imports(path) for path in PACKAGE.rglob("*.py")}


def test_each_layer_imports_only_itself_and_below() -> None:
    wrong = [
        f"{module} ({LAYERS[layer(module)]}) imports {target} ({LAYERS[layer(target)]})"
        for module, targets in graph().items()
        for target in targets
        if target != "issuepdf" and layer(target) > layer(module)
    ]
    assert wrong == []


def test_no_import_cycles() -> None:
    edges = {
        module: {t for t in targets if t in modules}
        for modules in [set(graph())]
        for module, targets in graph().items()
    }
    cycles: list[str] = []
    state: dict[str, str] = {}  # "open" while on the path, "done" after

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(edges[module]):
            if state.get(target) == "open":
                cycles.append(" → ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_no_module_is_too_long_to_read_at_once() -> None:
    """A module over this many lines holds more than one job: split it along the jobs."""
    long = {
        module_name(path): n for path in PACKAGE.rglob("*.py") if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
