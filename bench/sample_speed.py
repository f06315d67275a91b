"""How fast chapter 07's shipped LSTM writes text, one character per call.

    python bench/sample_speed.py            # 300 characters, greedy, one thread

``rnnkit.charlm.sample`` runs its single steps with oneDNN turned off
(``one_step_kernels`` in ``rnnkit/charlm/sample.py``). This prints milliseconds per
character of a greedy loop with oneDNN on and off, and of ``sample`` itself, and the time of one batched window with oneDNN on and off (where
oneDNN is the faster one), all measured in this run. The model needs no novel: only the
shipped file's first member is read.
"""
from __future__ import annotations

import argparse
import time

import torch

from rnnkit.charlm.checkpoint import SHIPPED, model_from_dict, read_file
from rnnkit.charlm.sample import sample


def per_char_ms(model, vocab, n, mkldnn):
    """Milliseconds per character of a greedy loop of one-step calls, oneDNN on or off."""
    before = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = mkldnn
    try:
        with torch.no_grad():
            logits, state = model(torch.as_tensor(vocab.encode("형식은 "))[None])
            out = []
            t0 = time.perf_counter()
            for _ in range(n):
                out.append(int(logits[0, -1].argmax()))
                logits, state = model(torch.tensor([[out[-1]]]), state)
            return 1000 * (time.perf_counter() - t0) / n, vocab.decode(out)
    finally:
        torch.backends.mkldnn.enabled = before


def window_ms(model, mkldnn, batch=16, length=128, repeats=3):
    x = torch.randint(model.vocab_size, (batch, length))
    before = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = mkldnn
    try:
        with torch.no_grad():
            model(x)
            t0 = time.perf_counter()
            for _ in range(repeats):
                model(x)
        return 1000 * (time.perf_counter() - t0) / repeats
    finally:
        torch.backends.mkldnn.enabled = before


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--length", type=int, default=300)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    model, vocab = model_from_dict(read_file(SHIPPED)["members"][0], SHIPPED)
    model.eval()
    c = model.config
    print(f"torch {torch.__version__}, {args.threads} thread(s); {c['cell'].upper()} {c['layers']}x{c['hidden']}, "
          f"V = {c['vocab_size']}")
    on, text_on = per_char_ms(model, vocab, args.length, mkldnn=True)
    off, text_off = per_char_ms(model, vocab, args.length, mkldnn=False)
    print(f"one character per call: oneDNN on {on:.2f} ms, off {off:.2f} ms  (ratio {on / off:.1f}); "
          f"same greedy text: {text_on == text_off}")
    t0 = time.perf_counter()
    same = sample(model, vocab, "형식은 ", args.length, temperature=0) == text_off
    print(f"rnnkit.charlm.sample: {1000 * (time.perf_counter() - t0) / args.length:.2f} ms per character; "
          f"the same text: {same}")
    w_on, w_off = window_ms(model, True), window_ms(model, False)
    print(f"one 16x128 window:      oneDNN on {w_on:.0f} ms, off {w_off:.0f} ms  (ratio {w_on / w_off:.2f})")


if __name__ == "__main__":
    main()
