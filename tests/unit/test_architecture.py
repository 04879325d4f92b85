"""The layering rule of DESIGN.md: imports point down only, and workflow code imports only the pure core."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "swengine"

LAYERS: dict[str, int] = {
    "core": 0,          # errors, the IR and its codec, durations, limits
    "expressions": 1,   # guarded jq
    "dsl": 2,           # load, validate, discover files
    "compiler": 3,      # document -> IR, and the pipeline entry
    "interpreter": 4,   # the one workflow
    "activities": 5,    # engine activities
    "runtime": 6,       # settings, connection, store, service, router, worker, dev server
    "authoring": 7,     # cross-file checks, reports, diagrams, workflow tests
    "api": 8, "commands": 9, "cli": 10,  # edges
}  # fmt: skip
"""Each package of swengine/ and its layer: a module imports only packages of lower layers (and its own)."""

WORKFLOW_ALLOWED = {"core", "expressions", "interpreter"}
"""What workflow code may import: the pure core, guarded jq, and itself."""


def _module_name(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _swengine_imports(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "swengine" and len(parts) > 1:
                found.append((parts[1], node.lineno))
    return found


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def test_every_module_has_a_layer():
    assert {_module_name(p) for p in SOURCES} <= set(LAYERS)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path):
    own = _module_name(path)
    upward = [
        f"line {line}: swengine.{target} (layer {LAYERS[target]})"
        for target, line in _swengine_imports(path)
        if target != own and LAYERS.get(target, 99) >= LAYERS[own]
    ]
    assert not upward, f"{path.name} (layer {LAYERS[own]}) imports upward or sideways: {upward}"


@pytest.mark.parametrize("path", sorted((PACKAGE / "interpreter").rglob("*.py")), ids=lambda p: p.name)
def test_workflow_code_imports_only_the_pure_core(path: Path):
    stray = [name for name, _ in _swengine_imports(path) if name not in WORKFLOW_ALLOWED]
    assert not stray, f"{path.name} imports {stray}: workflow code must stay deterministic and sandbox-safe"


def test_dsl_never_imports_temporal():
    for path in (PACKAGE / "dsl").rglob("*.py"):
        assert "temporalio" not in path.read_text(encoding="utf-8"), path.name


def test_every_state_kind_has_a_rule_a_compiler_and_an_executor() -> None:
    """The per-kind tables agree: a kind added to the IR needs a validator rule, a compiler and an executor;
    a 1.0 task kind needs a compiler and an executor (the whole task tree is the one ``tasks`` state)."""
    import typing

    from swengine.compiler.states import COMPILERS
    from swengine.compiler.tasks import COMPILERS as TASK_COMPILERS
    from swengine.core import ir, ir_tasks
    from swengine.dsl.state_rules import _STATE_RULES
    from swengine.interpreter.states import EXECUTORS
    from swengine.interpreter.tasks import TASK_EXECUTORS

    kinds = {cls.__dataclass_fields__["kind"].default for cls in typing.get_args(ir.State)}
    assert set(_STATE_RULES) == set(COMPILERS) == kinds - {"tasks"}
    assert set(EXECUTORS) == kinds
    task_kinds = {cls.__dataclass_fields__["kind"].default for cls in typing.get_args(ir_tasks.Task)}
    assert set(TASK_COMPILERS) == set(TASK_EXECUTORS) == task_kinds
