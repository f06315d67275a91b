"""rnnkit: the companion library of RNN 교과서 / The RNN Book.

Organised by concept; import what a chapter needs from its module. Importing
``rnnkit`` itself is cheap: it imports no submodule (and :mod:`rnnkit.scratch` never
imports torch).

Layers in numpy
    - :mod:`rnnkit.scratch` - RNN, LSTM, GRU, embedding, affine and softmax-loss layers
      with explicit forward/backward passes, gradient checking, clipping, converters
      to and from PyTorch modules.

Gradient flow and BPTT
    - :mod:`rnnkit.analysis.unroll` - per-copy and per-loss gradients of the unrolled RNN (ch. 02).
    - :mod:`rnnkit.analysis.bptt` - BPTT as a sum of Jacobian products, truncated BPTT, memory (ch. 03).
    - :mod:`rnnkit.analysis.gradflow` - log-space Jacobian norms, scaled Gaussian/orthogonal W_hh,
      Pascanu's bound, clipping (ch. 04).
    - :mod:`rnnkit.analysis.gates` - LSTM gate traces and cell-state Jacobians (ch. 05).

PyTorch models and training
    - :mod:`rnnkit.models.classifier` - small RNN/LSTM/GRU classifiers, forget-gate bias (ch. 04-05).
    - :mod:`rnnkit.models.seq2seq` - encoder-decoder with optional attention (ch. 06).
    - :mod:`rnnkit.charlm` - the character language model of 『무정』 and its CLI (ch. 07).

Data and tasks
    - :mod:`rnnkit.data.vocab` - character vocabularies and one-hot vectors (ch. 01).
    - :mod:`rnnkit.data.tasks` - synthetic long-range recall tasks, plain and marked (ch. 04-05).
    - :mod:`rnnkit.data.dates` - Korean dates to ISO dates, the seq2seq toy task (ch. 06).
    - :mod:`rnnkit.data` - the 『무정』 loader (checksummed), vocabulary, 자모, batching (ch. 07).
    - :mod:`rnnkit.charlm.ngram` - count-based n-gram baselines in bits per character (ch. 07).
    - :mod:`rnnkit.results` - stored results of long benchmark runs.

Checks, figures, widgets
    - :mod:`rnnkit.analysis.gradcheck` - gradient checks of every scratch layer, stable printing.
    - :mod:`rnnkit.figures.style` - matplotlib defaults with Korean fonts.
    - :mod:`rnnkit.figures.diagrams` - task-shape and unrolled-graph drawings.
    - :mod:`rnnkit.figures.bars` - slider/toggle bar charts (plotly and ipywidgets).
    - :mod:`rnnkit.figures.gradient_explorer` - the chapter 04 gradient explorer and its kernel-free twin.
    - :mod:`rnnkit.figures.web` - kernel-free plotly figures for the static site.
    - :mod:`rnnkit.figures.web` - HTML result tables.
"""
__version__ = "0.1.0"
