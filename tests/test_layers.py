"""The package's layers (docs/architecture.md): an import only ever points down.

Read statically from the source, every import counts, those inside functions too. Importing a
module also runs its parent packages' ``__init__``; ``gglnet/__init__.py`` is the public
facade above every layer, so it is not followed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gglnet"

# bottom first; a module may import its own layer and the layers below
LAYERS: list[tuple[str, ...]] = [
    (
        "gglnet.blocks",
        "gglnet.data",
        "gglnet.gradient",
        "gglnet.hardware",
        "gglnet.losses",
        "gglnet.metrics",
        "gglnet.padding",
        "gglnet.precision",
    ),
    ("gglnet.models",),
    ("gglnet.integrations",),
    ("gglnet.hub",),
    ("gglnet.inference",),
    ("gglnet.demo", "gglnet.evaluation", "gglnet.training"),
    ("gglnet.cli", "gglnet.__main__"),
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str) -> set[str]:
    """The gglnet modules ``name`` imports (a ``from X import y`` counts X.y when a module)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t in MODULES and t != "gglnet")
    return found


def _layer(name: str) -> int:
    for index, prefixes in enumerate(LAYERS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return index
    raise AssertionError(f"{name} belongs to no layer: add it to LAYERS and docs/architecture.md")


def _reachable(name: str) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        for target in _imports(todo.pop()) - seen:
            seen.add(target)
            todo.append(target)
    return seen


@pytest.mark.parametrize("name", [n for n in MODULES if n != "gglnet"])
def test_imports_point_down(name: str) -> None:
    upward = sorted(t for t in _imports(name) if _layer(t) > _layer(name))
    assert not upward, f"{name} imports {upward} from a layer above it"


@pytest.mark.parametrize("name", [n for n in MODULES if n.startswith("gglnet.models")])
def test_models_core_reaches_nothing_above_it(name: str) -> None:
    above = ("gglnet.hub", "gglnet.cli", "gglnet.training", "gglnet.inference")
    reached = sorted(m for m in _reachable(name) if m.startswith(above))
    assert not reached, f"{name} reaches {reached}"
    assert all(_layer(m) <= _layer(name) for m in _reachable(name))


def test_the_graph_is_read() -> None:
    assert "gglnet.models.registry" in _imports("gglnet.models.factory") | _reachable(
        "gglnet.models.factory"
    )
    assert "gglnet.hub.cards" in _imports("gglnet.training.checkpoint")
