"""Greedy decoding against beam search on chapter 06's tasks: exact match and log-probability.

    python bench/beam_search.py            # about 1 min on one loaded core

For the four shipped seq2seq checkpoints (Korean date -> ISO date and the list of 1-6 dates,
without and with attention) and one deliberately under-trained date model (the shipped
recipe stopped after ``UNDER_STEPS`` updates, trained here), on 2000 held-out inputs each
(seed 2026, as in the chapter), for beam sizes 1, 2, 4, 8 and length-normalisation
exponents 0 and 1 (``rnnkit.models.beam.beam_search``):

- exact match of the best hypothesis and its mean log-probability (natural log);
- how often the beam's output differs from greedy's, has a higher log-probability, is
  right where greedy was wrong and wrong where greedy was right;
- that beam size 1 gives greedy's tokens and log-probabilities exactly (asserted);
- the mean log-probability of the true targets (teacher forcing), for comparison;
- the cases in which beam size 8 finds an output more probable than greedy's that is
  wrong while greedy's is right (up to ``MAX_CASES`` per model), shortest source first;
- a wider search on ``WIDE`` held-out dates for the two shipped date models: how many
  outputs beam size 8 changes.

Stores ``rnnkit/results/beam_search.json`` (atomically), one thread, everything seeded.
"""
from __future__ import annotations

import argparse
import platform
import sys
import time

import numpy as np
import torch

from rnnkit import results
from rnnkit.data import dates
from rnnkit.models import beam
from rnnkit.models import seq2seq as s2s
from rnnkit.models.seq2seq_checkpoint import load_checkpoint

SEED = 2026
N_HELD_OUT = 2000
WIDE = 20000
BEAMS = (1, 2, 4, 8)
ALPHAS = (0.0, 1.0)
UNDER_STEPS = 300
MAX_CASES = 5
CHUNK = 500


def held_out(task, n=N_HELD_OUT):
    return dates.date_pairs(n, seed=SEED) if task == "dates" else dates.date_list_pairs(n, 1, 6, seed=SEED)


def under_trained():
    """The shipped date model's recipe (bench/seq2seq_dates.py) stopped after UNDER_STEPS updates."""
    torch.manual_seed(0)
    model = s2s.Seq2Seq(dates.SOURCE_VOCAB, dates.TARGET_VOCAB, embed=32, hidden=64, cell="lstm",
                        attention=False, dropout=0.1)
    s2s.train(model, lambda n, rng: dates.date_pairs(n, rng), UNDER_STEPS, batch_size=64, lr=5e-3, seed=0,
              progress=False)
    return model


def decode(model, pairs, beam_size=None, alpha=0.0):
    """Best output strings, their token tensors' log-probabilities, in chunks; greedy if beam_size is None."""
    texts, log_probs = [], []
    for i in range(0, len(pairs), CHUNK):
        chunk = pairs[i:i + CHUNK]
        b = s2s.to_tensors(dates.encode_batch(chunk))
        max_len = max(len(t) for _, t in chunk) + 2
        if beam_size is None:
            out = s2s.greedy_decode(model, b["src"], b["src_mask"], max_len)
            toks, lp = out["tokens"], out["log_prob"]
        else:
            out = beam.beam_search(model, b["src"], b["src_mask"], beam_size, max_len, alpha)
            toks, lp = out["tokens"][:, 0], out["log_prob"][:, 0]
        texts += [model.tgt_vocab.decode(r) for r in toks]
        log_probs.append(lp)
    return texts, torch.cat(log_probs)


def target_log_prob(model, pairs):
    b = s2s.to_tensors(dates.encode_batch(pairs))
    return beam.sequence_log_prob(model, b["src"], b["src_mask"], b["tgt_out"])


def measure(model, pairs):
    targets = [t for _, t in pairs]
    g_text, g_lp = decode(model, pairs)
    g_right = np.array([p == t for p, t in zip(g_text, targets)])
    tgt_lp = target_log_prob(model, pairs)
    rows, cases, n_cases = [], [], 0
    for alpha in ALPHAS:
        for K in BEAMS:
            t0 = time.perf_counter()
            b_text, b_lp = decode(model, pairs, K, alpha)
            seconds = time.perf_counter() - t0
            if K == 1:
                assert b_text == g_text and torch.equal(b_lp, g_lp), "beam size 1 must be greedy decoding"
            right = np.array([p == t for p, t in zip(b_text, targets)])
            changed = np.array([p != q for p, q in zip(b_text, g_text)])
            higher = (b_lp > g_lp + 1e-9).numpy()
            rows.append({"beam_size": K, "alpha": alpha, "exact_match": float(right.mean()),
                         "mean_log_prob": round(float(b_lp.mean()), 6), "changed": int(changed.sum()),
                         "higher_log_prob": int(higher.sum()), "fixed": int((right & ~g_right).sum()),
                         "broken": int((~right & g_right).sum()), "seconds": round(seconds, 2)})
            if K == max(BEAMS) and alpha == 0.0:
                idx = np.flatnonzero(higher & g_right & ~right)
                n_cases = len(idx)
                idx = sorted(idx, key=lambda i: (len(pairs[i][0]), i))[:MAX_CASES]
                cases = [{"source": pairs[i][0], "target": targets[i], "greedy": g_text[i],
                          "greedy_log_prob": round(float(g_lp[i]), 6), "beam": b_text[i],
                          "beam_log_prob": round(float(b_lp[i]), 6), "target_log_prob": round(float(tgt_lp[i]), 6)}
                         for i in idx]
    return {"greedy": {"exact_match": float(g_right.mean()), "mean_log_prob": round(float(g_lp.mean()), 6)},
            "target_mean_log_prob": round(float(tgt_lp.mean()), 6), "rows": rows, "n_cases": n_cases,
            "cases": cases}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.parse_args(argv)
    torch.set_num_threads(1)
    command = "python bench/beam_search.py"
    env = {"torch": torch.__version__, "python": platform.python_version(), "threads": 1,
           "machine": platform.machine()}
    print(f"command: {command}\n{env}")
    t_all = time.perf_counter()
    models = {name: (task, load_checkpoint(name)[0]) for name, task in (
        ("seq2seq_dates", "dates"), ("seq2seq_dates_attn", "dates"),
        ("seq2seq_datelist", "list"), ("seq2seq_datelist_attn", "list"))}
    models[f"seq2seq_dates_{UNDER_STEPS}_updates"] = ("dates", under_trained())
    out = {}
    for name, (task, model) in models.items():
        pairs = held_out(task)
        r = measure(model, pairs)
        r["task"] = task
        out[name] = r
        print(f"{name} ({task}): greedy exact {r['greedy']['exact_match']:.4f} log-prob "
              f"{r['greedy']['mean_log_prob']:.4f}, target log-prob {r['target_mean_log_prob']:.4f}")
        for row in r["rows"]:
            print("   K={beam_size} alpha={alpha}: exact {exact_match:.4f}  log-prob {mean_log_prob:.4f}  changed "
                  "{changed}  higher {higher_log_prob}  fixed {fixed}  broken {broken}  {seconds} s".format(**row))
        for c in r["cases"]:
            print(f"   case: {c}")
    wide = {}
    pairs = held_out("dates", WIDE)
    for name in ("seq2seq_dates", "seq2seq_dates_attn"):
        g_text, _ = decode(models[name][1], pairs)
        b_text, _ = decode(models[name][1], pairs, max(BEAMS))
        wide[name] = {"n": WIDE, "beam_size": max(BEAMS), "changed": sum(p != q for p, q in zip(g_text, b_text)),
                      "greedy_wrong": sum(p != t for p, (_, t) in zip(g_text, pairs)),
                      "beam_wrong": sum(p != t for p, (_, t) in zip(b_text, pairs))}
        print(f"wide search {name}: {wide[name]}")
    results.save("beam_search", {"env": env, "seed": SEED, "n_held_out": N_HELD_OUT, "beams": list(BEAMS),
                                 "alphas": list(ALPHAS), "under_steps": UNDER_STEPS, "models": out, "wide": wide},
                 command=command)
    print(f"total {time.perf_counter() - t_all:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
