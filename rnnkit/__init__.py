"""rnnkit: the companion library of RNN 교과서 / The RNN Book.

Folders are layers and modules are concepts. Each layer imports only from the layers
below it (``tests/test_layout.py`` checks this), so the tree reads bottom up::

    checks, atomic   argument validation; atomic file writes
    scratch/         numpy layers with explicit forward/backward passes (never imports torch)
    data/            the novel, one Vocab, 자모, batching, synthetic tasks, dates
    analysis/        gradient checks, BPTT terms, gradient flow, gate Jacobians
    models/          torch models of chapters 03-06 and their one training loop
    charlm/          chapter 07's application: a character language model of 『무정』 and its CLI
    spacing/         chapter 08's application: restoring the spaces of Korean text
    figures/         fonts, diagrams, the deterministic plotly layer, each chapter's figures and widgets
    results/         stored results of long runs, each with the command that made it

Importing ``rnnkit`` itself is cheap: it imports no submodule. Import what a chapter
needs from its module, for example ``from rnnkit.scratch import rnn_forward``.
"""
__version__ = "0.1.0"
