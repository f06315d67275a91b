"""Held-out scores of a neural spacing model, by the protocol of :mod:`rnnkit.data.spacing`."""
from __future__ import annotations

from rnnkit.checks import check_real
from rnnkit.data.spacing import respace, score_system, unspace
from .model import line_probabilities


def model_system(model, vocab, lines, threshold=0.5):
    """A ``system(chars) -> spaced line`` for :func:`rnnkit.data.spacing.score_system`.

    The lines are run through the model once, in batches (:func:`~rnnkit.spacing.model.line_probabilities`);
    the system then looks up each line's answer (and runs the model on a line it has not
    seen). A space is predicted where P(space) > ``threshold``.
    """
    threshold = check_real("threshold", threshold, 0.0, 1.0)
    chars = [unspace(line)[0] for line in lines]
    table = {c: respace(c, p > threshold) for c, p in zip(chars, line_probabilities(model, vocab, chars))}

    def system(c):
        if c not in table:
            table[c] = respace(c, line_probabilities(model, vocab, [c])[0] > threshold)
        return table[c]

    return system


def evaluate_lines(model, vocab, lines, threshold=0.5):
    """Precision, recall, F1 of spaces and exact lines of ``model`` on ``lines`` (with their spaces)."""
    return score_system(lines, model_system(model, vocab, lines, threshold))
