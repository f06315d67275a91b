"""Held-out bits per character of count-based models on 『무정』 (standard 90/10 split).

    python bench/ngram_baselines.py            # finds the text as rnnkit.data.load_mujeong does
    RNNKIT_MUJEONG=/path/to/mujeong.txt python bench/ngram_baselines.py

Prints the three reference points of the data README (unigram add-one, bigram add-0.01,
4-gram absolute discounting), then Kneser-Ney variants. The vocabulary is the whole
text's 1,676 characters; the held-out part is scored as the continuation of the
training part (its first characters get their history from the end of training).
The order/discount sweep at the end is chosen *on the held-out text*, so its best
number is optimistic: a reference point, not a fair baseline.
"""
from __future__ import annotations

import time

from rnnkit.data import Vocab, load_mujeong, split_text
from rnnkit.charlm.ngram import AbsoluteDiscountNgram, AddKNgram


def main():
    text = load_mujeong()
    train, valid = split_text(text)
    vocab = Vocab.from_text(text)
    print(f"train {len(train):,} characters, held out {len(valid):,}, V = {len(vocab):,}\n")

    rows = [
        ("unigram, add-one", AddKNgram(1, vocab, k=1.0), 6.70),
        ("bigram, add-0.01", AddKNgram(2, vocab, k=0.01), 4.55),
        ("4-gram, absolute discounting d=0.75", AbsoluteDiscountNgram(4, vocab, discount=0.75), 3.90),
        ("4-gram, Kneser-Ney d=0.75", AbsoluteDiscountNgram(4, vocab, discount=0.75, kneser_ney=True), None),
    ]
    print(f"{'model':40s} {'held-out bpc':>12s} {'README':>7s} {'seconds':>8s}")
    for name, model, readme in rows:
        t0 = time.perf_counter()
        bpc = model.fit(train).bits_per_char(valid, history=train)
        ref = f"{readme:.2f}" if readme is not None else "-"
        print(f"{name:40s} {bpc:12.4f} {ref:>7s} {time.perf_counter() - t0:8.2f}")

    print("\nKneser-Ney, order x discount (selected on held-out data: optimistic)")
    discounts = (0.75, 0.9, 1.0)
    print("order " + "".join(f"{f'd={d}':>9s}" for d in discounts))
    for order in (3, 4, 5, 6, 7):
        cells = []
        for d in discounts:
            model = AbsoluteDiscountNgram(order, vocab, discount=d, kneser_ney=True).fit(train)
            cells.append(f"{model.bits_per_char(valid, history=train):9.4f}")
        print(f"{order:5d} " + "".join(cells))


if __name__ == "__main__":
    main()
