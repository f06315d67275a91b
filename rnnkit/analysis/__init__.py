"""What the chapters measure about recurrent networks: gradients, Jacobians, memory.

- :mod:`~rnnkit.analysis.gradcheck` - gradient checks of every scratch layer, and stable
  printing of rounding-level errors (chapters 00-06).
- :mod:`~rnnkit.analysis.unroll` - per-copy and per-loss gradients of the unrolled RNN (ch. 02).
- :mod:`~rnnkit.analysis.bptt` - BPTT as a sum of Jacobian products, truncated BPTT, memory (ch. 03).
- :mod:`~rnnkit.analysis.gradflow` - log-space Jacobian norms, scaled W_hh, clipping (ch. 04).
- :mod:`~rnnkit.analysis.gates` - LSTM gate traces and cell-state Jacobians (ch. 05).
- :mod:`~rnnkit.analysis.depth` - where one output's gradient goes in a stacked RNN, by layer and
  time step (ch. 08).

Numpy only, except where a function trains or measures a torch model (it imports torch
when called).
"""
