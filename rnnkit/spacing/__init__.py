"""Chapter 08: restoring the spaces of Korean text (띄어쓰기).

- :mod:`~rnnkit.spacing.counts` - :class:`~rnnkit.spacing.counts.CountSpacer`, P(space | the
  characters around a boundary) from counts: the count-based baseline; numpy only.
- :mod:`~rnnkit.spacing.model` - :class:`~rnnkit.spacing.model.SpacingModel`: embedding, a
  (bidirectional) RNN stack, optionally with residual connections between its layers, one
  logit per character; its vocabulary and batched probabilities.
- :mod:`~rnnkit.spacing.train` - training on random windows of the training text.
- :mod:`~rnnkit.spacing.evaluate` - the model as a system scored by the task's protocol.
- :mod:`~rnnkit.spacing.lookahead` - P(space) when the model sees only d characters to the
  right of each boundary (the line cut short): how far ahead the deciding context is.
- :mod:`~rnnkit.spacing.checkpoint` - a trained model, its vocabulary and config in one file
  (format ``rnnkit.spacing``, version 1, with a checksum of the weights), written atomically.
- :mod:`~rnnkit.spacing.cli`, :mod:`~rnnkit.spacing.cli_train` - the command line,
  ``python -m rnnkit.spacing`` (``space``, the default, ``evaluate``, ``train``).

The book's model ships as ``rnnkit/checkpoints/spacing_mujeong.pt``
(:data:`~rnnkit.spacing.checkpoint.SHIPPED`), made by
:data:`~rnnkit.spacing.cli.SHIPPED_COMMAND`.

``import rnnkit.spacing`` and ``rnnkit.spacing.counts`` do not import torch; the other
modules do.

The task, its data and its scores are in :mod:`rnnkit.data.spacing`.
"""
