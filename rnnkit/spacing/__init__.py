"""Chapter 08: restoring the spaces of Korean text (띄어쓰기).

- :mod:`~rnnkit.spacing.counts` - :class:`~rnnkit.spacing.counts.CountSpacer`, P(space | the
  characters around a boundary) from counts: the count-based baseline; numpy only.
- :mod:`~rnnkit.spacing.model` - :class:`~rnnkit.spacing.model.SpacingModel`: embedding, a
  (bidirectional) RNN stack, one logit per character; its vocabulary and batched probabilities.
- :mod:`~rnnkit.spacing.train` - training on random windows of the training text.
- :mod:`~rnnkit.spacing.evaluate` - the model as a system scored by the task's protocol.

``import rnnkit.spacing`` and ``rnnkit.spacing.counts`` do not import torch; the other
modules do.

The task, its data and its scores are in :mod:`rnnkit.data.spacing`.
"""
