"""The package's layout is its architecture: these tests keep it so.

- Layers: every import inside rnnkit points downward (see ``RANK``); two packages of
  one rank do not import each other.
- Size: no module over 400 lines; no function over 60 lines, except the literal
  BPTT loops, which are meant to be read against the equations in one piece.
- Privacy: no module imports another module's private (``_name``) helpers.
- The numpy layers import torch nowhere at module level.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "rnnkit"
MODULES = sorted(p for p in ROOT.rglob("*.py"))

# Rank of each top-level part of the package: a module may import parts of lower rank
# and its own package.
RANK = {
    "checks": 0,
    "atomic": 1, "cliargs": 1, "scratch": 1,
    "data": 2, "results": 2,
    "analysis": 3, "models": 3,
    "charlm": 4, "spacing": 4,
    "figures": 5,
    "exercises": 6,
}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
LITERAL_BPTT_LOOPS = {
    # scratch/<cell>.py: backward through time written as one loop over the step function.
}


def _part(module: str) -> str | None:
    """'rnnkit.analysis.bptt' -> 'analysis'; 'rnnkit' -> None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "rnnkit" else None


def _name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path):
    """(imported module, imported names, line) of every import in ``path``, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = _name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            yield target, [a.name for a in node.names], node.lineno


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_downward(path):
    me = _part(_name(path))
    if me is None:
        return
    assert me in RANK, f"{me} has no rank in tests/test_layout.py"
    for target, names, line in _imports(path):
        other = _part(target) if target.startswith("rnnkit.") else None
        if target == "rnnkit":
            others = [n for n in names if n in RANK]
        else:
            others = [other] if other else []
        for o in others:
            if o == me:
                continue
            assert RANK.get(o, 99) < RANK[me], (
                f"{path.relative_to(ROOT)}:{line} imports rnnkit.{o} (rank {RANK.get(o)}) "
                f"from rnnkit.{me} (rank {RANK[me]}): imports must point to lower layers")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_helper_crosses_a_module(path):
    for target, names, line in _imports(path):
        if target.startswith("rnnkit"):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            assert not private, f"{path.relative_to(ROOT)}:{line} imports {private} from {target}"
        assert not target.startswith("rnnkit") or not any(
            part.startswith("_") and part != "__main__" for part in target.split(".")), \
            f"{path.relative_to(ROOT)}:{line} imports the private module {target}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_and_function_sizes(path):
    rel = str(path.relative_to(ROOT))
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODULE_LINES, f"{rel} has {lines} lines (at most {MAX_MODULE_LINES})"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            n = node.end_lineno - node.lineno + 1
            if (rel, node.name) in LITERAL_BPTT_LOOPS:
                continue
            assert n <= MAX_FUNCTION_LINES, f"{rel}: {node.name} has {n} lines (at most {MAX_FUNCTION_LINES})"


@pytest.mark.parametrize("path", [p for p in MODULES if _part(_name(p)) in ("checks", "atomic", "scratch", "data")],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_numpy_layers_do_not_import_torch_at_module_level(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        assert not any(n == "torch" or n.startswith("torch.") for n in names), \
            f"{path.relative_to(ROOT)}:{node.lineno} imports torch at module level"


def test_import_graph_is_acyclic():
    """Within a package too: no module imports, directly or not, a module that imports it."""
    names = {_name(p): p for p in MODULES}
    graph = {}
    for name, path in names.items():
        deps = set()
        for target, imported, _ in _imports(path):
            for cand in [f"{target}.{n}" for n in imported] + [target]:
                if cand in names and cand != name:
                    deps.add(cand)
                    break
        # a package's __init__ may re-export its modules; importing it is not a cycle
        graph[name] = {d for d in deps if not name.startswith(d + ".")}
    state = {}

    def visit(node, trail):
        if state.get(node) == "done":
            return
        assert state.get(node) != "open", "import cycle: " + " -> ".join(trail + [node])
        state[node] = "open"
        for d in sorted(graph[node]):
            visit(d, trail + [node])
        state[node] = "done"

    for node in sorted(graph):
        visit(node, [])
