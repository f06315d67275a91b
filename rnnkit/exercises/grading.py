"""The machinery every exercise check shares: cases, calls, comparisons, verdicts.

A check runs the reader's function on seeded random :class:`Case` objects and stops at
the first problem, raised as :class:`Failed` (a message in the reader's language). What
a call may not do (raise, modify an input in place, return the wrong number of values)
is caught by :func:`call`; what it returns is compared by :func:`compare` with the
reference, using :func:`error`:

    error(a, ref) = max |a - ref| / max(|a| + |ref|, floor),   floor = c * max|ref|

(``c`` = 1e-6 in float64, 1e-2 in float32), the book's relative error with a floor
that keeps entries near zero from counting rounding noise as a mistake. An output is
right when its error is below ``TOL[dtype]``. :func:`run` prints the verdict and turns
a ``NotImplementedError`` into "not implemented yet". Numpy only; nothing is written.
"""
from __future__ import annotations

import linecache
import sys
import traceback

import numpy as np

from rnnkit.checks import check_choice

LANGS = ("en", "ko")
TOL = {np.dtype(np.float64): 1e-7, np.dtype(np.float32): 1e-3}
FLOOR = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 1e-2}
GRAD_TOL = 1e-6          # analytic vs numerical gradient, float64 (see grad_error)
STEP = 1e-5              # step of the centred differences

MESSAGES = {
    "pass": ("✓ {title}: correct on all {n} cases ({what}).",
             "✓ {title}: 정답입니다. {n}가지 경우({what})를 모두 통과했습니다."),
    "what": ("random inputs of several sizes, {ones} among them, in float32 and float64, compared with "
             "the reference{grad}",
             "{ones}인 경우를 포함한 여러 크기의 무작위 입력, float32와 float64, 참조 구현과 비교{grad}"),
    "grad": (" and with numerical gradients", ", 수치 기울기와도 비교"),
    "todo": ("… {title}: not implemented yet (your function raises NotImplementedError). "
             "Write it in the cell above, run that cell, then run this one again.",
             "… {title}: 아직 구현되지 않았습니다(함수가 NotImplementedError를 냅니다). "
             "위 셀에 코드를 쓰고 실행한 다음 이 셀을 다시 실행하세요."),
    "fail": ("✗ {title}: {problem}", "✗ {title}: {problem}"),
    "case": ("case {case}", "경우 {case}"),
    "hint": ("Hint: {hint}", "힌트: {hint}"),
    "raised": ("your function raised {exc} in {case}.", "{case}에서 함수가 {exc}를 냈습니다."),
    "at_line": (" It happened at: {line}", " 일어난 곳: {line}"),
    "returns": ("{who} should return {k} values ({names}), got {got} ({case}).",
                "{who}는 값 {k}개({names})를 돌려주어야 하는데 {got}을(를) 돌려주었습니다({case})."),
    "your_fn": ("your function", "함수"),
    "your_fw": ("your forward function", "순전파 함수"),
    "not_array": ("{name} should be a numpy array, got {got} ({case}).",
                  "{name}은(는) numpy 배열이어야 하는데 {got}입니다({case})."),
    "not_scalar": ("{name} should be a single number, got an array of shape {shape} ({case}).",
                   "{name}은(는) 숫자 하나여야 하는데 모양이 {shape}인 배열입니다({case})."),
    "shape": ("{name} has shape {got}, expected {want} ({case}).",
              "{name}의 모양이 {got}인데 {want}이어야 합니다({case})."),
    "dtype": ("{name} has dtype {got}, but the inputs are {want} ({case}). Keep the inputs' precision "
              "(for example np.zeros_like(a), or dtype=x.dtype).",
              "입력은 {want}인데 {name}의 dtype이 {got}입니다({case}). 입력의 정밀도를 유지하세요"
              "(예: np.zeros_like(a) 또는 dtype=x.dtype)."),
    "nonfinite": ("{name} contains NaN or infinity ({case}).",
                  "{name}에 NaN이나 무한대가 있습니다({case})."),
    "value": ("{name} is wrong ({case}): max. relative error {err:.1e} (at most {tol:.0e} allowed).",
              "{name}이(가) 틀렸습니다({case}): 최대 상대 오차 {err:.1e} (허용 {tol:.0e} 이하)."),
    "numeric": ("{name} disagrees with the numerical gradient of the forward function ({case}): "
                "relative error {err:.1e}.",
                "{name}이(가) 순전파 함수의 수치 기울기와 다릅니다({case}): 상대 오차 {err:.1e}."),
    "modified": ("your function changed its input {name} in place ({case}). Compute new arrays "
                 "(a = a * s) instead of writing into the ones you were given (a *= s).",
                 "함수가 입력 {name}을(를) 제자리에서 바꾸었습니다({case}). 받은 배열에 쓰지 말고(a *= s) "
                 "새 배열을 만드세요(a = a * s)."),
    "forward_wrong": ("the forward function you passed as forward= is not right yet: {problem} "
                      "Make its own check pass first, or leave forward=None to use rnnkit.scratch's.",
                      "forward=로 넘긴 순전파 함수가 아직 맞지 않습니다: {problem} "
                      "그 함수의 검사를 먼저 통과하거나, forward=None으로 rnnkit.scratch의 순전파를 쓰세요."),
    "keys": ("{name} should have the keys {want}, got {got} ({case}).",
             "{name}의 키는 {want}이어야 하는데 {got}입니다({case})."),
    "container": ("{name} should be a {want} like the grads you were given, got a {got} ({case}).",
                  "{name}은(는) 받은 grads처럼 {want}이어야 하는데 {got}입니다({case})."),
}


class Failed(Exception):
    """The first problem a check found; ``str()`` is the message in the reader's language.

    ``kind`` is "shape" for an output of the wrong shape (its hints compare shapes only).
    """

    def __init__(self, message, kind=None):
        super().__init__(message)
        self.kind = kind


class NotYet(Exception):
    """The reader's function raised NotImplementedError."""


def say(lang, key, **fields):
    """The message ``key`` of :data:`MESSAGES` in ``lang`` ("en" or "ko"), formatted."""
    return MESSAGES[key][LANGS.index(lang)].format(**fields)


def pick(lang, en, ko):
    """``en`` or ``ko``, by ``lang``: the one-off strings of a check module (hints, notes)."""
    return ko if lang == "ko" else en


class Case:
    """One input of a check: named arrays, the sizes that made them, and the dtype.

    Parameters
    ----------
    sizes : dict name -> int, e.g. ``{"N": 2, "D": 3, "H": 4}`` (shown in messages)
    dtype : np.float32 or np.float64
    inputs : dict name -> value (the arguments of the function, in order)
    note : (en, ko) pair describing something special about the case, or None
    """

    def __init__(self, sizes, dtype, inputs, note=None):
        self.sizes, self.dtype, self.inputs, self.note = dict(sizes), np.dtype(dtype), dict(inputs), note

    def label(self, lang):
        text = ", ".join(f"{k} = {v}" for k, v in self.sizes.items()) + f", {self.dtype.name}"
        if self.note is not None:
            text += ", " + pick(lang, *self.note)
        return say(lang, "case", case=text)

    def copies(self):
        """Fresh copies of the inputs (what the reader's function receives)."""
        return {k: _copy(v) for k, v in self.inputs.items()}


def random_arrays(seed, dtype):
    """``randn(*shape, scale=1)``: seeded standard-normal arrays of ``dtype``."""
    rng = np.random.default_rng(seed)

    def randn(*shape, scale=1.0):
        return (scale * rng.standard_normal(shape)).astype(dtype)
    randn.rng = rng
    return randn


def _copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    return value


def _arrays(value, path="cache"):
    """(path, array) of every numpy array inside nested tuples, lists and dicts."""
    if isinstance(value, np.ndarray):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _arrays(v, f"{path}[{k!r}]")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _arrays(v, f"{path}[{i}]")


def call(fn, args, names, case, lang):
    """``fn(*args)``, refusing an exception and any change to the arrays in ``args``.

    ``names`` name the arguments in messages; every array inside an argument (a cache,
    a dict of gradients) is watched.
    """
    watched = [(name if path == "cache" else path.replace("cache", name, 1), a, a.copy())
               for name, arg in zip(names, args) for path, a in _arrays(arg)]
    try:
        with np.errstate(all="ignore"):         # a NaN or an overflow is reported in the verdict
            out = fn(*args)
    except NotImplementedError:
        raise NotYet() from None
    except Exception as exc:            # noqa: BLE001 - reported to the reader
        raise Failed(say(lang, "raised", exc=_describe(exc), case=case.label(lang))
                     + _where(exc, lang)) from None
    for name, a, before in watched:
        if a.shape != before.shape or not np.array_equal(a, before, equal_nan=True):
            raise Failed(say(lang, "modified", name=name, case=case.label(lang)))
    return out


def _describe(exc):
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _where(exc, lang):
    """The last line of the reader's own code in the traceback (never rnnkit's)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "rnnkit" not in f.filename.replace("\\", "/").split("/")[-3:-1]
              and not f.filename.startswith(sys.prefix)]
    if not frames:
        return ""
    f = frames[-1]
    line = (f.line or linecache.getline(f.filename, f.lineno)).strip()
    return say(lang, "at_line", line=line) if line else ""


def unpack(out, names, case, lang, who="your_fn"):
    """``out`` as a tuple of ``len(names)`` values, or :class:`Failed`."""
    k = len(names)
    if not isinstance(out, (tuple, list)) or len(out) != k:
        got = f"{type(out).__name__} of {len(out)} values" if isinstance(out, (tuple, list)) \
            else type(out).__name__
        raise Failed(say(lang, "returns", who=say(lang, who), k=k, names=", ".join(names), got=got,
                         case=case.label(lang)))
    return tuple(out)


def error(a, ref, dtype):
    """Relative error of ``a`` against ``ref`` with a floor (see the module docstring)."""
    a = np.asarray(a, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if a.size == 0:
        return 0.0
    floor = max(1e-12, FLOOR[np.dtype(dtype)] * float(np.max(np.abs(ref))))
    return float(np.max(np.abs(a - ref) / np.maximum(np.abs(a) + np.abs(ref), floor)))


def grad_error(a, num):
    """``max |a - num| / max |num|``: an analytic gradient against a numerical one.

    Scaled by the largest entry, since centred differences carry an absolute error
    (about 1e-10 here) that an elementwise relative error would magnify near zero.
    """
    a = np.asarray(a, dtype=np.float64)
    num = np.asarray(num, dtype=np.float64)
    if a.shape != num.shape or not np.isfinite(a).all():
        return float("inf")
    return float(np.max(np.abs(a - num), initial=0.0) / max(float(np.max(np.abs(num), initial=0.0)), 1e-8))


def as_array(name, got, ref, case, lang, scalar=False):
    """Check type, shape, dtype and finiteness of one output; returns it as an array."""
    where = case.label(lang)
    if scalar:
        if not isinstance(got, (int, float, np.number, np.ndarray)) or isinstance(got, bool):
            raise Failed(say(lang, "not_array", name=name, got=type(got).__name__, case=where))
        if np.ndim(got) != 0:
            raise Failed(say(lang, "not_scalar", name=name, shape=np.shape(got), case=where))
        got = np.asarray(got, dtype=np.float64)
    else:
        if not isinstance(got, np.ndarray):
            raise Failed(say(lang, "not_array", name=name, got=type(got).__name__, case=where))
        if got.shape != ref.shape:
            raise Failed(say(lang, "shape", name=name, got=got.shape, want=ref.shape, case=where), "shape")
        if got.dtype != case.dtype:
            raise Failed(say(lang, "dtype", name=name, got=got.dtype, want=case.dtype.name, case=where), "dtype")
    if not np.isfinite(got).all():
        raise Failed(say(lang, "nonfinite", name=name, case=where), "nonfinite")
    return got


def compare(names, got, ref, case, lang, hints=None, ctx=None, scalars=()):
    """Compare outputs ``got`` with ``ref`` in order; :class:`Failed` at the first wrong one.

    ``hints`` maps an output name to a list of ``(wrong(ctx) -> array, (en, ko))``: when
    the reader's output matches ``wrong(ctx)`` (a typical mistake computed from the case),
    the message says so. A hint whose ``wrong`` raises or does not fit is skipped; a hint
    with ``wrong = None`` is given when the output holds NaN or infinity.
    """
    for name, g, r in zip(names, got, ref):
        try:
            g = as_array(name, g, r, case, lang, scalar=name in scalars)
        except Failed as f:
            raise Failed(str(f) + _hint(name, g, hints, ctx, case, lang, kind=f.kind)) from None
        err = error(g, r, case.dtype)
        if err > TOL[case.dtype]:
            raise Failed(say(lang, "value", name=name, case=case.label(lang), err=err, tol=TOL[case.dtype])
                         + _hint(name, g, hints, ctx, case, lang))


def _hint(name, got, hints, ctx, case, lang, kind=None):
    if kind == "dtype":                 # the values may well be right
        return ""
    for wrong, text in (hints or {}).get(name, ()):
        if (wrong is None) != (kind == "nonfinite"):
            continue
        try:
            with np.errstate(all="ignore"):
                w = np.asarray(wrong(ctx)) if wrong is not None else None
            g = np.asarray(got)
            ok = wrong is None or (w.shape == g.shape
                                   and (kind == "shape" or error(g, w, case.dtype) < 10 * TOL[case.dtype]))
        except Exception:               # noqa: BLE001 - a hint that does not apply
            ok = False
        if ok:
            return "\n  " + say(lang, "hint", hint=pick(lang, *text))
    return ""


def numerical_gradients(forward, case, upstream, names):
    """Centred differences of ``sum_k <forward(**inputs)[k], upstream[k]>`` for each input.

    ``forward`` returns its outputs followed by a cache (ignored); ``names`` are the
    inputs to differentiate. Runs in float64 on copies of the case's inputs.
    """
    inputs = case.copies()

    def objective():
        out = forward(*inputs.values())
        return sum(float(np.sum(np.asarray(o, dtype=np.float64) * u)) for o, u in zip(out, upstream))

    grads = {}
    for name in names:
        a = inputs[name]
        g = np.zeros(a.shape)
        for i in np.ndindex(a.shape):
            old = a[i]
            a[i] = old + STEP
            plus = objective()
            a[i] = old - STEP
            minus = objective()
            a[i] = old
            g[i] = (plus - minus) / (2 * STEP)
        grads[name] = g
    return grads


def describe_cases(cases, lang, grad=False):
    """The "what was tried" part of the pass verdict."""
    ones = sorted({k for c in cases for k, v in c.sizes.items() if v == 1},
                  key=lambda k: list(cases[0].sizes).index(k) if k in cases[0].sizes else 99)
    ones_text = ", ".join(f"{k} = 1" for k in ones)
    if lang == "en" and len(ones) > 1:
        ones_text = ones_text.rpartition(", ")[0] + " and " + ones_text.rpartition(", ")[2]
    return say(lang, "what", ones=ones_text, grad=say(lang, "grad") if grad else "")


def run(title, lang, body, what=None):
    """Run ``body()`` (returns the cases it tried), print the verdict, return True on a pass.

    ``body`` raises :class:`Failed` or :class:`NotYet`, or returns ``(cases, grad)`` where
    ``grad`` says whether numerical gradients were compared too. ``what``, an (en, ko)
    pair, replaces the generated description of the cases in the pass verdict.
    """
    lang = check_choice("lang", lang, LANGS)
    try:
        cases, grad = body()
    except NotYet:
        print(say(lang, "todo", title=title))
        return False
    except Failed as f:
        print(say(lang, "fail", title=title, problem=str(f)))
        return False
    what = pick(lang, *what) if what else describe_cases(cases, lang, grad)
    print(say(lang, "pass", title=title, n=len(cases), what=what))
    return True
