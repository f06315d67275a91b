"""Figures and widgets: what the reader sees.

- :mod:`~rnnkit.figures.style` - matplotlib defaults with Korean fonts.
- :mod:`~rnnkit.figures.web` - the deterministic plotly layer of the static site: figures,
  one slider helper, HTML tables.
- :mod:`~rnnkit.figures.diagrams` - task shapes, unrolled graphs, one attention step (ch. 01-02, 06).
- :mod:`~rnnkit.figures.bars` - slider and toggle bar charts (ch. 01-02).
- :mod:`~rnnkit.figures.truncation` - truncated BPTT, figure and widget (ch. 03).
- :mod:`~rnnkit.figures.gradient_explorer` - the gradient explorer (ch. 04).
- :mod:`~rnnkit.figures.memory` - LSTM memory and forget-gate bias (ch. 05).
- :mod:`~rnnkit.figures.cell_layouts` - RNN, LSTM and GRU cells as data: nodes, edges, paths (ch. 05).
- :mod:`~rnnkit.figures.cells` - those cells drawn, and a slider that highlights one path (ch. 05).
- :mod:`~rnnkit.figures.attention` - attention maps and decoding steps (ch. 06).
- :mod:`~rnnkit.figures.beam` - a beam's hypotheses over the decoding steps (ch. 06).
- :mod:`~rnnkit.figures.charlm` - chapter 07's plots, sampler and temperature figure.
- :mod:`~rnnkit.figures.spacing` - chapter 08's spacing decisions, live restorer and lookahead plot.
- :mod:`~rnnkit.figures.recurrence` - the scan tree, the LRU's impulse response, speed (ch. 09).
- :mod:`~rnnkit.figures.gate_memory` - gradients through input-dependent gates, widget and twin (ch. 09).

Modules here import from the layers below (spacing, charlm, models, analysis, scratch, data), never
the other way round.
"""
