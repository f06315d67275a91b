"""Chapter 08: restoring the spaces of Korean text (띄어쓰기).

- :mod:`~rnnkit.spacing.counts` - :class:`~rnnkit.spacing.counts.CountSpacer`, P(space | the
  characters around a boundary) from counts: the count-based baseline; numpy only.

The task, its data and its scores are in :mod:`rnnkit.data.spacing`.
"""
