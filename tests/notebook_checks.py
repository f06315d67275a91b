"""Checks of the committed notebooks that nbval alone does not make.

nbval passes a cell that has never been executed, so we check separately that every
code cell ran, in order, with no stored error; that widget outputs come with saved
widget state (or the static page shows nothing); that a cell hidden from nbval says why
(or holds a live widget); and that the Korean and English twins
of a chapter run the same code (differing only in string literals and comments).
"""
from __future__ import annotations

import io
import re
import json
import tokenize
from pathlib import Path


_FIELD = re.compile(r"(?<!\{)\{([^{}]*)\}")


def code_shape(src: str):
    """Tokens of ``src`` with string literals masked and comments/whitespace dropped.

    The expressions inside f-string fields are kept (``f"loss {x}"`` and
    ``f"손실 {x}"`` agree, ``f"{x}"`` and ``f"{y}"`` do not), on every Python version.
    """
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
            tokenize.DEDENT, tokenize.ENDMARKER}
    fstring_middle = getattr(tokenize, "FSTRING_MIDDLE", None)  # Python >= 3.12
    # IPython magics and shell escapes are not Python: compare those lines literally.
    magic = [ln.lstrip().startswith(("%", "!")) for ln in src.splitlines()]
    lines = ["#" if m else ln for ln, m in zip(src.splitlines(), magic)]
    out = []
    try:
        for t in tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline):
            if t.type in skip:
                continue
            if t.type == tokenize.STRING:
                prefix = t.string[: len(t.string) - len(t.string.lstrip("rRbBuUfF"))]
                out.append("<str>")
                if "f" in prefix.lower():
                    out.extend(_FIELD.findall(t.string))
            elif fstring_middle is not None and t.type == fstring_middle:
                out.append("<str>")
            else:
                out.append(t.string)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return [src.strip()]
    return out + [ln.strip() for ln, m in zip(src.splitlines(), magic) if m]


def load(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source(cell) -> str:
    s = cell["source"]
    return "".join(s) if isinstance(s, list) else s


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def problems(paths) -> list[str]:
    out = []
    paths = [Path(p) for p in paths]
    by_lang = {}
    for p in paths:
        by_lang.setdefault(p.parent.name, {})[p.name] = p
        nb = load(p)
        cells = code_cells(nb)
        counts = [c.get("execution_count") for c in cells]
        if any(n is None for n in counts):
            out.append(f"{p}: code cells that never ran (nbval would not compare them)")
        elif counts != list(range(1, len(cells) + 1)):
            out.append(f"{p}: cells not executed top to bottom in one run: {counts}")
        for i, c in enumerate(cells):
            if any(o.get("output_type") == "error" for o in c.get("outputs", [])):
                out.append(f"{p}: code cell {i + 1} stores a Python error")
        for i, c in enumerate(cells):
            tags = c.get("metadata", {}).get("tags", [])
            widget = any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                         for o in c.get("outputs", []))
            if "nbval-ignore-output" in tags and not widget \
                    and not source(c).startswith("# nbval-ignore-output: "):
                out.append(f"{p}: code cell {i + 1} is hidden from nbval without a live widget and "
                           "without a first line '# nbval-ignore-output: <why>' (docs/AUTHORING.md)")
        has_widget = any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                         for c in cells for o in c.get("outputs", []))
        state = nb.get("metadata", {}).get("widgets", {}).get(
            "application/vnd.jupyter.widget-state+json", {}).get("state")
        if has_widget and not state:
            out.append(f"{p}: widget outputs without saved widget state (blank on the site)")
    ko, en = by_lang.get("ko", {}), by_lang.get("en", {})
    for name in sorted(set(ko) ^ set(en)):
        out.append(f"{name} exists in only one language")
    for name in sorted(set(ko) & set(en)):
        a = [code_shape(source(c)) for c in code_cells(load(ko[name]))]
        b = [code_shape(source(c)) for c in code_cells(load(en[name]))]
        if len(a) != len(b):
            out.append(f"{name}: {len(a)} Korean vs {len(b)} English code cells")
            continue
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                out.append(f"{name}: code cell {i + 1} differs between ko and en beyond strings/comments")
    return out
