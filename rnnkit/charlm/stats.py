"""Chapter 07's numbers: what the chapter measures about 『무정』 and its models.

- the text: :func:`rank_frequency`, :func:`tokenization_stats` (syllable / 자모 / word);
- the embedding: :func:`nearest_neighbours`, :func:`neighbour_agreement`;
- the benchmark: :func:`result_rows` (the results table), :func:`bench_curves` (the
  held-out curves of every run, in bits per character);
- temperature: :func:`next_char_probs`, :func:`top_next_chars`;
- samples: :func:`sampler_text` (what the live sampler shows), :func:`longest_copy` (the
  longest piece of a sample found word for word in the training text);
- display: :func:`show_char` (newline, space and tab made visible);
- argument checks shared with the figures: :func:`check_model`, :func:`check_temperatures`.

Every function returns numbers or text; the figures and widgets that show them are in
:mod:`rnnkit.figures.charlm`. No plotting library is imported here, and torch only inside
the functions that run a model.
"""
from __future__ import annotations

import math
from collections import Counter

import numpy as np

from rnnkit.checks import check_choice, check_int, check_real
from rnnkit.data import decompose

#: Shown instead of characters that would be invisible in a figure or a table.
VISIBLE = {"\n": "↵", " ": "␣", "\t": "⇥"}
#: The token kinds of :func:`tokenization_stats`: 음절, 자모 and space-separated words (어절).
KINDS = ("syllable", "jamo", "word")


def show_char(c):
    """``c`` as something visible in a figure: newline ↵, space ␣, tab ⇥; others unchanged."""
    return VISIBLE.get(c, c)


def check_model(model, vocab):
    """``model`` if it is a :class:`~rnnkit.charlm.model.CharLM` predicting ``len(vocab)`` tokens.

    Raises ``ValueError`` naming what is wrong otherwise.
    """
    from .model import CharLM

    if not isinstance(model, CharLM):
        raise ValueError(f"model must be a CharLM, got {type(model).__name__}")
    if len(vocab) != model.vocab_size:
        raise ValueError(f"vocab has {len(vocab)} characters but the model predicts "
                         f"vocab_size = {model.vocab_size}")
    return model


def _check_text(name, text):
    if not isinstance(text, str) or not text:
        raise ValueError(f"{name} must be a non-empty str, got {text!r:.40}")
    return text


# -- the text --------------------------------------------------------------------------

def rank_frequency(text):
    """Characters of ``text`` from the most to the least frequent.

    Parameters
    ----------
    text : non-empty str

    Returns
    -------
    chars : list of str, length V (the distinct characters; ties in code-point order)
    counts : int64 array (V,), non-increasing, ``counts.sum() == len(text)``
    """
    _check_text("text", text)
    pairs = sorted(Counter(text).items(), key=lambda kv: (-kv[1], kv[0]))
    return [c for c, _ in pairs], np.array([n for _, n in pairs], dtype=np.int64)


def _units(text, kind):
    """``text`` cut into tokens of ``kind`` (one of ``KINDS``)."""
    if kind == "syllable":
        return list(text)
    if kind == "jamo":
        return list(decompose(text))
    return text.split()


def tokenization_stats(train_text, valid_text, kinds=KINDS):
    """How the same split looks when cut into syllables, 자모 or words (space-separated 어절).

    Parameters
    ----------
    train_text, valid_text : non-empty str, the standard split
    kinds : sequence of "syllable", "jamo", "word"

    Returns
    -------
    list of dicts, one per kind: ``kind``; ``vocab`` (distinct tokens of the training
    part); ``train_tokens``, ``valid_tokens`` (sequence lengths); ``oov_tokens`` (held-out
    tokens never seen in training), ``oov_rate`` (their fraction of the held-out tokens);
    ``oov_types`` (distinct such tokens).
    """
    _check_text("train_text", train_text)
    _check_text("valid_text", valid_text)
    kinds = [check_choice(f"kinds[{i}]", kind, KINDS) for i, kind in enumerate(kinds)]
    rows = []
    for kind in kinds:
        tr, va = _units(train_text, kind), _units(valid_text, kind)
        seen = set(tr)
        unseen = [u for u in va if u not in seen]
        rows.append(dict(kind=kind, vocab=len(seen), train_tokens=len(tr), valid_tokens=len(va),
                         oov_tokens=len(unseen), oov_rate=len(unseen) / max(len(va), 1),
                         oov_types=len(set(unseen))))
    return rows


# -- the embedding ---------------------------------------------------------------------

def _unit_rows(model, vectors=None):
    """The rows of ``vectors`` (V, E) scaled to unit length, as a float64 tensor (V, E)."""
    import torch

    if vectors is None:                  # what the model reads: with 자모 parts, own row + parts
        vectors = model.token_vectors() if hasattr(model, "token_vectors") else model.embed.weight
    W = torch.as_tensor(vectors).detach().double()
    if W.dim() != 2 or W.shape[0] != model.vocab_size:
        raise ValueError(f"vectors must have shape (V, E) = ({model.vocab_size}, E), got {tuple(W.shape)}")
    return W / W.norm(dim=1, keepdim=True).clamp_min(1e-12)


def nearest_neighbours(model, vocab, chars, k=5, *, among=None, vectors=None):
    """The ``k`` characters whose embedding rows have the largest cosine with each of ``chars``.

    Parameters
    ----------
    model : CharLM;  vocab : its Vocab
    chars : str or iterable of single characters, each in ``vocab``
    k : int >= 1
    among : None (every character) or an iterable of characters to search in
    vectors : None (the vectors the model reads, ``model.token_vectors()``) or a (V, E)
        tensor, e.g. ``model.embed.weight`` (a syllable's own row, without shared 자모 parts)

    Returns
    -------
    dict char -> list of ``k`` pairs (neighbour, cosine rounded to 3 decimals), most
    similar first; a character is never its own neighbour.
    """
    import torch

    check_model(model, vocab)
    k = check_int("k", k, 1)
    chars = list(chars)
    unknown = [c for c in chars if c not in vocab]
    if not chars or unknown:
        raise ValueError(f"chars must be non-empty characters of the vocabulary, unknown: {unknown!r}")
    pool = list(vocab.chars) if among is None else list(among)
    bad = [c for c in pool if c not in vocab]
    if bad:
        raise ValueError(f"among holds characters not in the vocabulary: {bad[:10]!r}")
    U = _unit_rows(model, vectors)
    pool_ids = torch.as_tensor(vocab.encode("".join(pool)))
    out = {}
    for c in chars:
        cos = U[pool_ids] @ U[vocab.index[c]]
        cos[torch.as_tensor([p == c for p in pool])] = -math.inf
        n = min(k, len(pool) - (c in pool))
        if n < 1:
            raise ValueError(f"among must hold at least one character besides {c!r}")
        top = torch.topk(cos, n)
        out[c] = [(pool[int(i)], round(float(v), 3)) for v, i in zip(top.values, top.indices)]
    return out


def neighbour_agreement(model, vocab, chars, key, k=5, *, vectors=None):
    """How often a character's nearest neighbours (within ``chars``) share its ``key``.

    Parameters
    ----------
    model : CharLM;  vocab : its Vocab
    chars : iterable of at least k + 1 distinct characters of the vocabulary
    key : callable char -> hashable (e.g. "has a final consonant")
    k : int >= 1, neighbours per character
    vectors : as in :func:`nearest_neighbours`

    Returns
    -------
    (observed, chance) : the mean fraction of the k neighbours with the same key, and the
    same fraction for k characters drawn at random from the others (what an embedding that
    ignores ``key`` would give)
    """
    chars = list(dict.fromkeys(chars))
    k = check_int("k", k, 1)
    if len(chars) < k + 1:
        raise ValueError(f"chars must hold at least k + 1 = {k + 1} distinct characters, got {len(chars)}")
    if not callable(key):
        raise ValueError(f"key must be a callable char -> category, got {type(key).__name__}")
    nn = nearest_neighbours(model, vocab, chars, k, among=chars, vectors=vectors)
    keys = {c: key(c) for c in chars}
    sizes = Counter(keys.values())
    observed = np.mean([np.mean([keys[d] == keys[c] for d, _ in nn[c]]) for c in chars])
    chance = np.mean([(sizes[keys[c]] - 1) / (len(chars) - 1) for c in chars])
    return float(observed), float(chance)


# -- the benchmark ---------------------------------------------------------------------

def _check_bench(bench):
    if not isinstance(bench, dict) or not isinstance(bench.get("runs"), list):
        raise ValueError("bench must be the dict of rnnkit.results.load('charlm_bench') (with a list 'runs')")
    return bench


def _row(name, tokens, record, bpc_key, train_key):
    """One row of :func:`result_rows` from a run (or shipped) record."""
    bpc = record[bpc_key]
    return dict(name=name, tokens=tokens, parameters=record.get("parameters"), steps=record.get("steps"),
                minutes=record.get("minutes"), bpc=bpc,
                bits_per_token=record.get("heldout_bits_per_token", bpc),
                dynamic=record.get("dynamic_bpc"), train_bpc=record.get(train_key),
                shared_cpu=bool(record.get("shared_cpu")))


def result_rows(bench, shipped=None):
    """Rows of the chapter's results table from ``rnnkit.results.load("charlm_bench")``.

    Parameters
    ----------
    bench : dict with "ngrams" (name, heldout_bpc) and "runs" (name, config, parameters,
        steps, heldout_bpc, heldout_bits_per_token, dynamic_bpc, minutes, train_bpc_last)
    shipped : None, a dict(name, parameters, steps, minutes, heldout_bpc, dynamic_bpc, train_bpc),
        or a list of such dicts (rows appended in that order; missing numbers are shown as None)

    Returns
    -------
    list of dicts: name, tokens ("syllable" / "jamo" / "-" for counts), parameters (int or
    None), steps (None for counts), minutes, bpc (held-out bits per original character,
    i.e. per syllable for 자모 models), bits_per_token, dynamic (or None), train_bpc (the
    last training loss in bits per token, with dropout on; None for counts), shared_cpu
    (True for a run that shared the CPU with another job and so made fewer updates in its
    budget); count models first, then the runs from the highest bpc to the lowest, then
    the ``shipped`` rows. Runs without a held-out number are left out.
    """
    _check_bench(bench)
    shipped = [shipped] if isinstance(shipped, dict) else list(shipped or [])
    bad = [i for i, s in enumerate(shipped) if not isinstance(s, dict) or "name" not in s or "heldout_bpc" not in s]
    if bad:
        raise ValueError(f"shipped must be None, a dict or a list of dicts with 'name' and 'heldout_bpc'; "
                         f"entries {bad} are not")
    rows = [dict(name=g["name"], tokens="-", parameters=None, steps=None, minutes=None, bpc=g["heldout_bpc"],
                 bits_per_token=g["heldout_bpc"], dynamic=None, train_bpc=None, shared_cpu=False)
            for g in bench.get("ngrams") or []]
    runs = [_row(r["name"], (r.get("config") or {}).get("tokens", "syllable"), r, "heldout_bpc", "train_bpc_last")
            for r in bench["runs"] if r.get("heldout_bpc") is not None]
    rows += sorted(runs, key=lambda r: -r["bpc"])
    rows += [_row(s["name"], s.get("tokens", "syllable"), s, "heldout_bpc", "train_bpc") for s in shipped]
    return rows


def bench_curves(bench):
    """Held-out bits per character against training minutes, one curve per benchmark run.

    A 자모 run logs bits per *jamo*; its curve is rescaled to bits per character with the
    run's final ratio ``heldout_bpc / heldout_bits_per_token``. A mixture run (one with
    ``heldout_lstm_bpc``: an LSTM plus an n-gram) logs the LSTM alone, so its curve is the
    single point (last logged minute, final ``heldout_bpc``).

    Parameters
    ----------
    bench : ``rnnkit.results.load("charlm_bench")`` (runs with a ``log`` of seconds, valid_bpc)

    Returns
    -------
    list of dicts ``name``, ``minutes`` and ``bpc`` (float64 arrays (n,), n = 1 for a
    mixture), ``mixture`` (bool); from the highest final bpc to the lowest. Runs without a
    logged held-out number are left out.
    """
    _check_bench(bench)
    curves = []
    for r in sorted(bench["runs"], key=lambda r: -(r.get("heldout_bpc") or 0)):
        pts = [(e["seconds"] / 60, e["valid_bpc"]) for e in r.get("log") or [] if e.get("valid_bpc") is not None]
        if not pts:
            continue
        mixture = r.get("heldout_lstm_bpc") is not None
        if mixture:
            minutes, bpc = np.array([pts[-1][0]]), np.array([float(r["heldout_bpc"])])
        else:
            scale = 1.0
            if r.get("heldout_bpc") and r.get("heldout_bits_per_token"):
                scale = r["heldout_bpc"] / r["heldout_bits_per_token"]
            minutes, bpc = np.array([m for m, _ in pts]), np.array([b for _, b in pts]) * scale
        curves.append(dict(name=r["name"], minutes=minutes, bpc=bpc, mixture=mixture))
    return curves


# -- temperature and samples -----------------------------------------------------------

def check_temperatures(temperatures):
    """``temperatures`` (a non-empty sequence of numbers >= 0) as a list of floats."""
    if isinstance(temperatures, (str, bytes, dict)) or not hasattr(temperatures, "__iter__"):
        raise ValueError(f"temperatures must be a sequence of numbers >= 0, got {temperatures!r}")
    temperatures = [check_real(f"temperatures[{i}]", t, 0) for i, t in enumerate(temperatures)]
    if not temperatures:
        raise ValueError("temperatures must hold at least one value (0 = greedy)")
    return temperatures


def next_char_probs(model, vocab, prompt, temperature=1.0, *, tokens="syllable"):
    """Distribution of the token that follows ``prompt``, at temperature τ.

    ``p_i ∝ exp(s_i / τ)`` with s the model's scores; ``temperature=0`` gives the limit
    τ -> 0, all mass on the argmax (what greedy sampling picks).

    Parameters
    ----------
    model : CharLM;  vocab : its Vocab;  prompt : non-empty str of known characters
    temperature : τ >= 0;  tokens : "syllable" or "jamo"

    Returns
    -------
    p : float64 numpy array (V,), ``p.sum() == 1`` up to rounding
    """
    import torch

    from .sample import check_prompt, next_token_distribution

    check_model(model, vocab)
    t = check_real("temperature", temperature, 0)
    ids = torch.as_tensor(check_prompt(prompt, vocab, tokens))
    model.eval()
    with torch.no_grad():
        logits, _ = model(ids[None], None)
    return next_token_distribution(logits[0, -1], t).numpy()


def top_next_chars(model, vocab, prompt, temperatures, *, top=15, tokens="syllable"):
    """The ``top`` likeliest next tokens after ``prompt`` and their probabilities at each τ.

    The tokens are chosen at τ = 1; the order is the same at every τ > 0 (temperature
    rescales the scores, it does not reorder them).

    Parameters
    ----------
    temperatures : non-empty sequence of K numbers >= 0 (0 = greedy)
    top : int >= 1 (at most V are returned)

    Returns
    -------
    ids : int64 array (top,), token ids, most likely first (ties by id)
    probs : float64 array (K, top), ``probs[k, j]`` = p(ids[j]) at ``temperatures[k]``
    """
    temperatures = check_temperatures(temperatures)
    top = check_int("top", top, 1)
    p1 = next_char_probs(model, vocab, prompt, 1.0, tokens=tokens)
    ids = np.argsort(-p1, kind="stable")[:top].astype(np.int64)
    probs = [next_char_probs(model, vocab, prompt, t, tokens=tokens)[ids] for t in temperatures]
    return ids, np.array(probs, dtype=np.float64).reshape(len(temperatures), len(ids))


def sampler_text(model, vocab, prompt, *, temperature=0.8, top_k=0, seed=0, length=200, tokens="syllable",
                 progress=None):
    """What the live sampler shows: ``prompt`` and its continuation of ``length`` tokens.

    ``top_k=0`` means no top-k cut; ``temperature=0`` is greedy. The same as
    ``sample(..., include_prompt=True)``: for a 자모 model a generated final consonant may
    join the prompt's last syllable. ``progress``: as in :func:`rnnkit.charlm.sample`.
    """
    from .sample import sample

    top_k = check_int("top_k", top_k, 0)
    return sample(model, vocab, prompt, check_int("length", length, 0),
                  temperature=check_real("temperature", temperature, 0),
                  top_k=top_k or None, tokens=tokens, seed=seed, include_prompt=True, progress=progress)


def longest_copy(sample_text, source_text):
    """The longest piece of ``sample_text`` that occurs word for word in ``source_text``.

    A generated sample that repeats long pieces of the training text is reciting, not
    writing; this measures how long the longest recited piece is.

    Parameters
    ----------
    sample_text, source_text : str

    Returns
    -------
    (piece, start): the longest substring of ``sample_text`` found in ``source_text`` and its
    start in ``sample_text`` (the first such piece if several are as long; ``("", 0)`` for an
    empty sample or when no character of it occurs in the source).
    """
    for name, value in (("sample_text", sample_text), ("source_text", source_text)):
        if not isinstance(value, str):
            raise ValueError(f"{name} must be a str, got {type(value).__name__}")
    best, best_start = "", 0
    for i in range(len(sample_text)):
        # only a piece longer than the best so far matters; extend while it still occurs
        n = len(best) + 1
        while i + n <= len(sample_text) and sample_text[i:i + n] in source_text:
            best, best_start = sample_text[i:i + n], i
            n += 1
    return best, best_start
