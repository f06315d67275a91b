"""rnnkit: the companion library of RNN 교과서 / The RNN Book.

Organised by concept; import what a chapter needs from its module:

- :mod:`rnnkit.scratch` - numpy layers with explicit forward/backward passes and
  gradient checking (never imports torch).
- :mod:`rnnkit.plotting` - matplotlib defaults with Korean fonts.
- :mod:`rnnkit.interactive` - kernel-free plotly figures for the static site.

Importing ``rnnkit`` itself is cheap: it imports no submodule.
"""
__version__ = "0.1.0"
