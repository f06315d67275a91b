"""Saving and loading a trained character LM as one file.

A checkpoint is a ``torch.save`` of a plain dict (tensors, str, int, float, lists and
dicts only, so that ``torch.load(..., weights_only=True)`` can read it without running
any pickled code)::

    format   "rnnkit.charlm"          version  3 (versions 1 and 2, without ``int4``, still load)
    config   CharLM keyword arguments (vocab_size, cell, embed, hidden, layers, dropout, tie,
             and optionally weight_drop, embed_drop, parts = K of the (V, K) parts buffer)
    tokens   "syllable" or "jamo"
    chars    the vocabulary, a list of V single characters in id order
    weights  model.state_dict()
    log      training log, a list of dicts (step, seconds, lr, train_bpc, valid_bpc)
    meta     anything else JSON-like (data sha256, seed, command, final numbers)
    scales   only in int8 files: for each int8 weight matrix W (R, C), its float32 row
             scales s (R,), so that W ~ q * s[:, None]
    int4     only in int4 files: for each int4 weight matrix W (R, C), a dict with ``cols``
             C, ``group`` g and the float16 group scales ``scale`` (R, ceil(C / g))

Four precisions (``precision=``): ``"float32"`` as trained; ``"float16"``, half the size;
``"int8"``, a quarter: every weight matrix is stored as round(W / s) in int8 with one scale
per row, s = max|W_row| / 127 (symmetric, per-row absmax quantization); ``"int4"``, an
eighth plus the scales: each row is cut into groups of g = 128 columns, each group gets
its own float16 scale s = max|W_group| / 7, and round(W / s) in [-7, 7] is stored as 4 bits,
two to a byte (``q + 8`` in the low nibble, the next one's in the high nibble). In every
precision below float32 the vectors and buffers are stored as float16, except buffers
of only zeros and ones (the 자모 parts matrix), stored as bool. Loading always gives a
float32 model.

:func:`save_checkpoint` writes through :func:`rnnkit.atomic.atomic_file` (a temporary file in
the same directory, renamed over ``path`` once complete, mode 0644): a reader, or a crash,
sees the old file or the complete new one, never half of one. :func:`load_checkpoint` refuses anything it
cannot trust (not a checkpoint, another version, missing keys, vocabulary and weights
of different sizes) with a ``ValueError`` that says what it found and what to do.
"""
from __future__ import annotations

import re
from pathlib import Path

import torch

from rnnkit.atomic import atomic_file
from rnnkit.checks import check_choice, check_path
from rnnkit.data import Vocab

from .model import CharLM
from .tokens import TOKENS, check_tokens

#: Where the book's trained model ships (package data), read by chapter 07 and by the CLI's
#: ``evaluate`` and ``sample`` when no ``--checkpoint`` is given.
SHIPPED = Path(__file__).resolve().parents[1] / "checkpoints" / "charlm_mujeong.pt"
FORMAT = "rnnkit.charlm"
MIXTURE_FORMAT = "rnnkit.charlm.mixture"      # several models in one file: rnnkit.charlm.mixture
VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
PRECISIONS = ("float32", "float16", "int8", "int4")
INT4_GROUP = 128
KEYS = ("format", "version", "config", "tokens", "chars", "weights", "log", "meta")
CONFIG_KEYS = ("vocab_size", "cell", "embed", "hidden", "layers", "dropout", "tie")
OPTIONAL_CONFIG_KEYS = ("weight_drop", "embed_drop")     # training-only; default 0
_RETRAIN = "retrain with `python -m rnnkit.charlm train --checkpoint PATH`"


def _int4(w, group=INT4_GROUP):
    """Group-wise absmax int4 of a float32 matrix (R, C): packed uint8 (R, G g / 2), float16 scales (R, G)."""
    R, C = w.shape
    G = -(-C // group)
    g = torch.nn.functional.pad(w, (0, G * group - C)).reshape(R, G, group)
    top = g.abs().amax(dim=2)
    if not torch.isfinite(top).all():
        raise ValueError("int4 cannot store non-finite weights (nan or inf); the model has some")
    if top.max() > 7 * 65504:
        raise ValueError(f"int4 stores weights up to {7 * 65504} in size (float16 scales), got "
                         f"{top.max().item():.3g}; use precision='int8' or 'float32'")
    s = (top / 7.0).to(torch.float16)
    s = torch.where(s > 0, s, torch.ones_like(s))     # all-zero (or tiny) groups: scale 1, stored as 0
    q = (torch.round(g / s.float()[..., None]).clamp_(-7, 7) + 8).to(torch.uint8).reshape(R, G * group)
    return q[:, 0::2] | (q[:, 1::2] << 4), s


def _unpack_int4(packed, scale, cols, group):
    """Inverse of :func:`_int4`: the float32 matrix (R, cols)."""
    R = packed.shape[0]
    q = torch.stack([packed & 15, packed >> 4], dim=2).reshape(R, -1).float() - 8.0
    return (q.reshape(R, -1, group) * scale.float()[..., None]).reshape(R, -1)[:, :cols]


def _compress(model, precision):
    """The state dict at ``precision``, plus the int8 row scales and the int4 group scales.

    Tensors that share memory (the tied input and output matrix) stay shared, so the file
    holds them once. Only the parameter matrices are quantized; biases, 1-D parameters and
    buffers (such as the 0/1 자모 parts matrix, exact in float16) are stored as float16.
    """
    state = model.state_dict()
    if precision == "float32":
        return state, {}, {}
    # by storage, not by name: a tied matrix has two names and named_parameters() gives one
    matrices = {p.data_ptr() for p in model.parameters() if p.dim() == 2}
    done, out, scales, int4 = {}, {}, {}, {}
    for k, v in state.items():
        if not v.is_floating_point():
            out[k] = v
            continue
        key = (v.data_ptr(), tuple(v.shape))
        if key not in done:
            matrix = v.data_ptr() in matrices
            v = v.detach().float()
            if precision == "int8" and matrix:
                s = v.abs().amax(dim=1) / 127.0
                s = torch.where(s > 0, s, torch.ones_like(s))           # all-zero rows stay zero
                done[key] = (torch.round(v / s[:, None]).clamp_(-127, 127).to(torch.int8), s, None)
            elif precision == "int4" and matrix:
                packed, s = _int4(v)
                done[key] = (packed, None, dict(scale=s, cols=v.shape[1], group=INT4_GROUP))
            elif not matrix and bool(((v == 0) | (v == 1)).all()):      # a 0/1 buffer: exact as bool
                done[key] = (v.bool(), None, None)
            else:
                done[key] = (v.to(torch.float16), None, None)
        out[k], scale, nibbles = done[key]
        if scale is not None:
            scales[k] = scale
        if nibbles is not None:
            int4[k] = nibbles
    return out, scales, int4


def _check_int4(k, v, q, path):
    """ValueError unless the packed matrix ``v`` and its int4 record ``q`` fit together."""
    fields = isinstance(q, dict) and all(isinstance(q.get(f), int) for f in ("cols", "group"))
    s = q.get("scale") if isinstance(q, dict) else None
    if not fields or not isinstance(s, torch.Tensor) or q["group"] < 2 or q["group"] % 2 or q["cols"] < 1:
        raise file_error(path, f"the int4 record of weight {k} is not a dict with int cols, an even "
                               f"int group and a scale tensor")
    G = -(-q["cols"] // q["group"])
    expected = (v.shape[0], G * q["group"] // 2) if v.dim() == 2 else None
    if v.dtype != torch.uint8 or tuple(v.shape) != expected or tuple(s.shape) != (v.shape[0], G):
        raise file_error(path, f"weight {k} ({v.dtype}, shape {tuple(v.shape)}) does not fit its int4 "
                               f"record (cols {q['cols']}, group {q['group']}, scales {tuple(s.shape)})")


def _expand(weights, scales, int4, path):
    """float32 weights from a stored state dict (dequantizing the int8 and int4 matrices)."""
    for name, table in (("int8 scales", scales), ("int4 records", int4)):
        if not isinstance(table, dict):
            raise file_error(path, f"the {name} are a {type(table).__name__}, expected a dict")
    out = {}
    for k, v in weights.items():
        if k in int4:
            q = int4[k]
            _check_int4(k, v, q, path)
            out[k] = _unpack_int4(v, q["scale"], q["cols"], q["group"])
        elif v.dtype == torch.uint8:
            raise file_error(path, f"weight {k} is packed int4 but the file has no int4 record for it")
        elif k in scales:
            s = scales[k]
            found = tuple(s.shape) if isinstance(s, torch.Tensor) else type(s).__name__
            if found != (v.shape[0],) or v.dtype != torch.int8 or v.dim() != 2:
                raise file_error(path, f"weight {k} ({v.dtype}, shape {tuple(v.shape)}) does not fit "
                                       f"its int8 scales ({found})")
            out[k] = v.float() * s.float()[:, None]
        elif v.dtype == torch.int8:
            raise file_error(path, f"weight {k} is int8 but the file has no scale for it")
        else:
            out[k] = v.float() if v.is_floating_point() or v.dtype == torch.bool else v
    return out


def save_checkpoint(path, model, vocab, *, tokens="syllable", log=(), meta=None,
                    precision="float32"):
    """Write ``model``, its vocabulary, the training log and ``meta`` to ``path`` atomically.

    ``precision`` is ``"float32"``, ``"float16"`` (half the size), ``"int8"`` (a quarter:
    per-row absmax quantization of the weight matrices) or ``"int4"`` (about an eighth:
    group-wise absmax, 4 bits a weight); see the module docstring.
    Loading turns the weights back into float32. Rounding changes the outputs slightly,
    so score the loaded model (``train --precision`` reports the held-out bpc of the
    stored weights). Returns the path written, as a :class:`pathlib.Path`.
    """
    check_path("path", path)
    ckpt = as_dict(model, vocab, tokens=tokens, log=log, meta=meta, precision=precision)
    return atomic_save(ckpt, path)


def as_dict(model, vocab, *, tokens="syllable", log=(), meta=None, precision="float32"):
    """The checkpoint dict of one model: what :func:`save_checkpoint` writes to its file."""
    if not isinstance(model, CharLM):
        raise ValueError(f"model must be a CharLM, got {type(model).__name__}")
    if len(vocab) != model.vocab_size:
        raise ValueError(f"vocab has {len(vocab)} characters but the model's output layer has "
                         f"vocab_size = {model.vocab_size}")
    tokens, precision = check_tokens(tokens), check_choice("precision", precision, PRECISIONS)
    weights, scales, int4 = _compress(model, precision)
    ckpt = dict(format=FORMAT, version=VERSION, config=dict(model.config), tokens=tokens,
                chars=list(vocab.chars), weights=weights, log=[dict(r) for r in log],
                meta=dict(meta or {}))
    if scales:
        ckpt["scales"] = scales
    if int4:
        ckpt["int4"] = int4
    return ckpt


def atomic_save(obj, path):
    """``torch.save(obj)`` to ``path`` through :func:`rnnkit.atomic.atomic_file`; the Path.

    torch writes into the open temporary file, not to its name (which it would store in
    the archive), so the same dict gives the same bytes on every save.
    """
    path = check_path("path", path)
    with atomic_file(path, "wb") as f:
        torch.save(obj, f)
    return path


def file_error(path, found, todo=_RETRAIN):
    """The ``ValueError`` for a file that cannot be used: ``"<path>: <found>; <todo>"``.

    ``found`` says what the file holds, ``todo`` what to do instead (by default, retrain);
    :func:`load_checkpoint` and :func:`rnnkit.charlm.mixture.load_mixture` raise it.
    """
    return ValueError(f"{path}: {found}; {todo}")


def read_file(path):
    """The dict stored in a checkpoint file, read with ``weights_only=True``.

    ``FileNotFoundError`` for a missing file, ``IsADirectoryError`` for a folder,
    ``ValueError`` for a file torch cannot read (with the first sentence of torch's reason).
    """
    check_path("path", path)
    if Path(path).is_dir():
        raise IsADirectoryError(f"{path} is a folder, not a checkpoint file; give the path of the file")
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: no such checkpoint file; train one with "
                                f"`python -m rnnkit.charlm train --checkpoint {path}`")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:          # zip, pickle and EOF errors all mean: unreadable
        why = "the file is empty" if Path(path).stat().st_size == 0 else f"torch: {_torch_reason(err)}"
        raise file_error(path, f"not a readable checkpoint ({why}), the file may be "
                               f"truncated or corrupt", "copy it again or " + _RETRAIN) from None


#: torch's preamble when a weights-only load fails; the reason follows this marker.
_UNPICKLER = "WeightsUnpickler error:"


def _torch_reason(err, limit=100):
    """``"<ErrorType>: <first sentence>"`` of a torch.load error, cut only at a word, with "…".

    torch's weights-only failures start with a paragraph of advice (to load with
    ``weights_only=False``) that does not apply to a file that is not a checkpoint; the
    reason after it is used instead.
    """
    text = str(err)
    if _UNPICKLER in text:
        text = text.split(_UNPICKLER, 1)[1]
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    sentence = re.split(r"(?<=[.!?])\s", line, maxsplit=1)[0]
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return f"{type(err).__name__}: {sentence}" if sentence else type(err).__name__


def load_checkpoint(path):
    """Read a checkpoint written by :func:`save_checkpoint`.

    Returns
    -------
    model : CharLM with the saved weights, in eval mode
    vocab : rnnkit.data.Vocab
    ckpt : the whole dict (``tokens``, ``log``, ``meta``, ...)

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` for a file that is
    not a readable, consistent checkpoint of this version (a mixture of several models,
    written by :func:`rnnkit.charlm.mixture.save_mixture`, is refused with a pointer to
    :func:`~rnnkit.charlm.mixture.load_mixture`).
    """
    ckpt = read_file(path)
    if isinstance(ckpt, dict) and ckpt.get("format") == MIXTURE_FORMAT:
        raise file_error(path, f"a mixture of {len(ckpt.get('members') or ())} models, not one model",
                         "load it with rnnkit.charlm.load_mixture(path, train_text=...)")
    model, vocab = model_from_dict(ckpt, path)
    return model, vocab, ckpt


def model_from_dict(ckpt, path):
    """(CharLM in eval mode, Vocab) from a checkpoint dict; ``ValueError`` naming ``path`` if it is not one."""
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        got = ckpt.get("format") if isinstance(ckpt, dict) else type(ckpt).__name__
        raise file_error(path, f"not an {FORMAT} checkpoint (format field: {got!r})",
                         "pass a file written by `python -m rnnkit.charlm train`")
    if ckpt.get("version") not in READABLE_VERSIONS:
        raise file_error(path, f"checkpoint format version {ckpt.get('version')!r}, "
                               f"but this rnnkit reads versions {', '.join(map(str, READABLE_VERSIONS))}",
                         "use the rnnkit that wrote it, or " + _RETRAIN)
    missing = [k for k in KEYS if k not in ckpt]
    config = ckpt.get("config")
    if not missing and isinstance(config, dict):
        missing = [f"config.{k}" for k in CONFIG_KEYS if k not in config]
    if missing:
        raise file_error(path, f"checkpoint lacks {', '.join(missing)}")
    if ckpt["tokens"] not in TOKENS:
        raise file_error(path, f"unknown token kind {ckpt['tokens']!r}, expected one of {TOKENS}")
    chars = ckpt["chars"]
    if config["vocab_size"] != len(chars):
        raise file_error(path, f"the vocabulary has {len(chars)} characters but config.vocab_size "
                               f"is {config['vocab_size']}")
    emb = ckpt["weights"].get("embed.weight") if isinstance(ckpt["weights"], dict) else None
    rows = emb.shape[0] if emb is not None and emb.dim() == 2 else None
    if rows != len(chars):
        shape = tuple(emb.shape) if emb is not None else None
        raise file_error(path, f"the vocabulary has {len(chars)} characters but the embedding "
                               f"weights have shape {shape}, expected ({len(chars)}, {config['embed']})")
    weights = _expand(ckpt["weights"], ckpt.get("scales", {}), ckpt.get("int4", {}), path)
    try:
        vocab = Vocab(chars)
        parts = config.get("parts", 0)         # the (V, K) matrix itself is a buffer in the weights
        model = CharLM(**{k: config[k] for k in CONFIG_KEYS},
                       **{k: config[k] for k in OPTIONAL_CONFIG_KEYS if k in config},
                       parts=torch.zeros(config["vocab_size"], parts) if parts else None)
        model.load_state_dict(weights)
    except (ValueError, RuntimeError, TypeError) as err:
        msg = " ".join(str(err).split())
        raise file_error(path, f"config, vocabulary and weights do not fit together ({msg[:300]})") from None
    return model.eval(), vocab
