"""Generating text from a character LM: temperature and top-k sampling.

After reading the prompt, each new character is drawn from

    p_τ(c) ∝ exp(logit_c / τ)       over the k highest-scoring characters only (top-k)

Temperature τ < 1 sharpens the distribution (safer, more repetitive text), τ > 1
flattens it (more surprising, more errors). As τ -> 0 it puts all mass on the argmax:
``temperature=0`` means exactly that (greedy decoding), as does ``top_k=1``.
"""
from __future__ import annotations

import contextlib

import torch

from rnnkit.checks import check_int, check_real

from .tokens import from_tokens, to_tokens

MAX_SEED = 2**32 - 1     # torch's CPU generator (mt19937) is seeded with 32 bits


def check_prompt(prompt, vocab, tokens="syllable"):
    """The prompt's ids; ValueError naming the characters the vocabulary lacks."""
    if not isinstance(prompt, str) or not prompt:
        raise ValueError(f"prompt must be a non-empty str, got {prompt!r}")
    token_text = to_tokens(prompt, tokens)
    unknown = sorted({c for c in prompt if not set(to_tokens(c, tokens)) <= set(vocab.chars)})
    if unknown:
        raise ValueError(f"prompt contains {len(unknown)} character(s) the model's vocabulary lacks: "
                         f"{' '.join(repr(c) for c in unknown)}; use characters of the training text")
    return vocab.encode(token_text)


def next_token_distribution(scores, temperature=1.0, top_k=None):
    """The distribution a sampler draws from: ``p_i ∝ exp(s_i / τ)`` over the top-k scores.

    Parameters
    ----------
    scores : tensor (V,), the model's logits for the next token
    temperature : τ >= 0; 0 puts all mass on the argmax (greedy)
    top_k : None, or keep only the k highest scores (k = 1 is greedy too)

    Returns
    -------
    float64 tensor (V,) that sums to 1
    """
    scores = scores.double()
    if temperature == 0 or top_k == 1:
        p = torch.zeros_like(scores)
        p[int(scores.argmax())] = 1.0
        return p
    scores = scores / temperature
    if top_k is not None and top_k < scores.numel():
        kth = torch.topk(scores, top_k).values[-1]
        scores = scores.masked_fill(scores < kth, float("-inf"))
    return torch.softmax(scores, 0)


@contextlib.contextmanager
def one_step_kernels():
    """A context in which PyTorch's CPU LSTM and GRU run one step at a time quickly.

    oneDNN (``torch.backends.mkldnn``) is the faster kernel for a long window, but for a
    single step (T = 1) most of its time goes into preparing the weights, again at every
    call, and generating text is one call per step. ``bench/sample_speed.py`` measured,
    for the shipped 2x640 LSTM on one thread with torch 2.13: 10.2 ms per character with
    oneDNN, 3.6 ms without (the same greedy text); a 16x128 window, 432 ms against 487 ms.
    """
    before = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False
    try:
        yield
    finally:
        torch.backends.mkldnn.enabled = before


@torch.no_grad()
def sample(model, vocab, prompt, length=200, *, temperature=1.0, top_k=None, tokens="syllable",
           seed=None, include_prompt=False, progress=None):
    """Continue ``prompt`` by ``length`` tokens.

    Parameters
    ----------
    model : CharLM;  vocab : its Vocab;  tokens : "syllable" or "jamo"
    prompt : non-empty str, every character (its 자모, for jamo) in the vocabulary
    length : number of tokens to generate (for jamo, 2-3 make a syllable)
    temperature : τ >= 0; 0 = greedy
    top_k : None or int >= 1, sample among the k most likely tokens only
    seed : None, or an int in [0, 2**32 - 1]; the same seed gives the same text. (PyTorch's
        CPU generator keeps only the low 32 bits of a seed, so a wider range would give
        different seeds the same text.)
    include_prompt : return prompt + continuation. For a jamo model this is not the
        same as concatenating the two strings: a generated final consonant may join
        the prompt's last syllable (하 + ㄴ -> 한).
    progress : None, or a callable ``progress(k)`` called after the k-th generated token
        (a widget's progress bar)

    Returns
    -------
    str : the generated continuation (with the prompt if ``include_prompt``), as characters
    """
    length = check_int("length", length, 0)
    temperature = check_real("temperature", temperature, 0)
    top_k = None if top_k is None else check_int("top_k", top_k, 1)
    seed = None if seed is None else check_int("seed", seed, 0, MAX_SEED)
    if progress is not None and not callable(progress):
        raise ValueError(f"progress must be None or a callable progress(k), got {type(progress).__name__}")
    ids = torch.as_tensor(check_prompt(prompt, vocab, tokens))
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    model.eval()
    logits, state = model(ids[None], None)
    last = logits[0, -1]
    out = []
    with one_step_kernels():
        for _ in range(length):
            if temperature == 0 or top_k == 1:
                nxt = int(last.argmax())
            else:
                probs = next_token_distribution(last, temperature, top_k)
                nxt = int(torch.multinomial(probs, 1, generator=gen))
            out.append(nxt)
            if progress is not None:
                progress(len(out))
            if len(out) == length:
                break                     # the scores after the last token are not needed
            logits, state = model(torch.tensor([[nxt]]), state)
            last = logits[0, -1]
    if include_prompt:
        return from_tokens(vocab.decode(ids.numpy()) + vocab.decode(out), tokens)
    return from_tokens(vocab.decode(out), tokens)
