"""Which single units of chapter 07's LSTM track a nameable property of the text?

    RNNKIT_MUJEONG=/path/to/mujeong.txt python bench/charlm_units.py   # about a minute

Runs the largest LSTM of the shipped file (``rnnkit/checkpoints/charlm_mujeong.pt``,
member 1, 2 layers x 640) over the held-out last 10 % of 『무정』 (after the same
256-character warm-up as ``evaluate_heldout``), takes every unit of its hidden and
cell states (2 x 2 x 640 = 2,560 candidates), and for each property of
``rnnkit.charlm.units.PROPERTIES`` chooses the best unit on the first half of the
held-out text and scores it on the second half (AUC, or Pearson r), beside one unit
drawn at random and the median unit. Two follow-ups test the names given to the
units: is the best "position in the word" unit rather a "the word may end here" unit
(its AUC for "the next character is a space or a line end", and the best unit for that),
and is the best "inside parentheses" unit a detector of the hanja that the novel's
parentheses mostly hold (its mean value, oriented, on Hangul and on hanja inside
parentheses and outside them, on the second half)? Writes ``rnnkit/results/charlm_units.json``
(atomically): scores and unit names only, no text of the novel.
"""
from __future__ import annotations

import platform
import time

import numpy as np
import torch

from rnnkit import results
from rnnkit.charlm import heldout_ids, load_mixture
from rnnkit.charlm.checkpoint import SHIPPED
from rnnkit.charlm.units import PROPERTIES, auc, find_units, state_trace, text_properties, unit_matrix
from rnnkit.data import Vocab, load_mujeong, split_text

COMMAND = "python bench/charlm_units.py"


def main():
    torch.set_num_threads(1)
    text = load_mujeong()
    train_text, valid_text = split_text(text)
    vocab = Vocab.from_text(text)
    mixture, _, _ = load_mixture(SHIPPED, train_text=train_text)
    model = mixture.members[0]
    ids, start = heldout_ids(vocab, "syllable", train_text, valid_text)
    t0 = time.perf_counter()
    trace = state_trace(model, ids, start=start)
    seconds = time.perf_counter() - t0
    acts, names = unit_matrix(trace)
    props = text_properties(valid_text)
    assert acts.shape[0] == len(valid_text)
    print(f"{acts.shape[0]:,} held-out characters x {acts.shape[1]:,} units, traced in {seconds:.0f} s")
    out = {}
    for name, what in PROPERTIES.items():
        found = find_units(acts, props[name], names)
        p = props[name]
        summary = {"share": float(p.mean())} if p.dtype == bool else {"mean": float(p.mean()), "max": int(p.max())}
        found["test_scores"] = [round(float(v), 4) for v in found["test_scores"]]
        out[name] = {"what": what, **summary, **found}
        b, r = found["best"], found["random"]
        print(f"{name:9s} {found['kind']}: best {b['name']:10s} select {b['select']:.3f} test {b['test']:.3f}; "
              f"random {r['name']} {r['test']:.3f}; median {found['median_test']:.3f}")
    half = len(valid_text) // 2
    word = out["word_pos"]["best"]
    ends = np.array([t + 1 == len(valid_text) or valid_text[t + 1] in " \n" for t in range(len(valid_text))])
    word_col = word["sign"] * acts[half:, [word["index"]]]
    best_end = find_units(acts, ends, names)
    word_end = {"unit": word["name"], "test": float(auc(word_col, ends[half:])[0]), "share": float(ends.mean()),
                "best": best_end["best"], "median_test": best_end["median_test"]}
    paren = out["paren"]["best"]
    values = paren["sign"] * acts[half:, paren["index"]]                   # the scoring half, as everywhere
    inside = props["paren"][half:]
    hanja = np.array([0x4E00 <= ord(c) <= 0x9FFF for c in valid_text[half:]])
    hangul = np.array([0xAC00 <= ord(c) <= 0xD7A3 for c in valid_text[half:]])
    groups = {"inside_hangul": inside & hangul, "inside_hanja": inside & hanja, "outside": ~inside,
              "outside_hanja": ~inside & hanja}
    paren_split = {"unit": paren["name"],
                   **{k: {"count": int(m.sum()), "mean": float(values[m].mean()) if m.any() else None}
                      for k, m in groups.items()}}
    print(f"word end: {word['name']} AUC {word_end['test']:.3f}; best {best_end['best']['name']} {best_end['best']['test']:.3f}")
    print(f"parentheses: {paren_split}")
    env = {"torch": torch.__version__, "python": platform.python_version(), "threads": 1,
           "trace_seconds": round(seconds, 1)}
    results.save("charlm_units", {"env": env, "model": "member 1 of charlm_mujeong.pt (LSTM 2 x 640)",
                                  "characters": int(acts.shape[0]), "units": int(acts.shape[1]),
                                  "select_characters": int(acts.shape[0] // 2), "properties": out,
                                  "word_end": word_end, "paren_split": paren_split},
                 command=COMMAND)


if __name__ == "__main__":
    main()
