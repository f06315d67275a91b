"""Checks of the reader's own implementations: "implement it yourself" exercises.

Each check takes the reader's function, which has the signature of the
:mod:`rnnkit.scratch` function it imitates, runs it on seeded random cases of
different sizes (N = 1, T = 1, H = 1 among them, float32 and float64), compares what it
returns with the reference, and for a backward pass also with numerical gradients. It
prints a one-line verdict in the notebook's language (``lang="en"`` or ``"ko"``) and
returns ``True`` only when every case passes:

- ``✓`` correct, with what was tried;
- ``…`` not implemented yet, when the function raises ``NotImplementedError``;
- ``✗`` the first wrong output, with its shape or its maximum relative error and the
  case that exposed it, and, where the check recognises a typical mistake, a hint
  ("dh_prev equals what da = dh gives: tanh's derivative (1 - h**2) is missing").
  A function that raises, returns the wrong number of values or changes an input in
  place fails with a message saying so. The reference code is never shown.

A backward check takes ``(fn, forward=None)``: ``fn(dh, cache)`` receives the cache made
by ``forward``, the reader's own forward function (its outputs are checked first), or by
the :mod:`rnnkit.scratch` forward when ``forward`` is None; the layout of each scratch
cache is in that forward function's docstring and in the check's. The checks need numpy
only (no torch) and write no files; a check takes well under a second.

The checks, by chapter:

- chapter 01: ``check_rnn_step_forward``, the reader's function ``(x, h_prev, Wx, Wh, b) -> h, cache``
- chapter 02: ``check_rnn_step_backward``, the reader's function ``(dh, cache) -> dx, dh_prev, dWx, dWh, db``
- chapter 02: ``check_temporal_softmax_loss``, the reader's function ``(scores, y, mask=None) -> loss, dscores``
- chapter 03: ``check_rnn_backward``, the reader's function ``(dh, cache) -> dx, dh0, dWx, dWh, db`` (BPTT)
- chapter 04: ``check_clip_grad_norm``, the reader's function ``(grads, max_norm) -> clipped, total_norm``
- chapter 05: ``check_lstm_step_forward``, the reader's function ``(x, h_prev, c_prev, Wx, Wh, b) -> h, c, cache``
- chapter 05: ``check_lstm_step_backward``, the reader's function ``(dh, dc, cache) -> dx, dh_prev, dc_prev, dWx, dWh, db``
- chapter 05: ``check_gru_step_forward``, the reader's function ``(x, h_prev, Wx, Wh, bx, bh) -> h, cache``
- chapter 05: ``check_gru_step_backward``, the reader's function ``(dh, cache) -> dx, dh_prev, dWx, dWh, dbx, dbh``
- chapter 06: ``check_attention``, the reader's function ``(query, enc, mask, Wq, Wk, bk, v) -> weights, context``
- chapter 09: ``check_linear_scan_backward``, the reader's function ``(dh, cache) -> da, db, dh0`` (the linear recurrence)

The attention of chapter 06 is additive attention for one decoder step; its equations
and shapes are in :func:`check_attention`.

**How a chapter uses a check** (the pattern of chapters 01–04; code cells identical in
the two languages except the strings). The check is imported in the chapter's import
cell (``from rnnkit.exercises import check_lstm_step_forward``). In the exercises
section, after the exercise's markdown (what to write, the equations, the cache layout
for a backward pass), three code cells follow:

1. the stub, which the reader fills in; its name starts with ``my_`` so that it does not
   shadow the :mod:`rnnkit.scratch` function of the same name::

       def my_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
           # Write the step here: gates i, f, o, g in the 4H columns. Return h, c, cache.
           raise NotImplementedError

2. the check, whose stored output is the stub's "not implemented yet" verdict::

       passed = check_lstm_step_forward(my_lstm_step_forward, lang="en")   # "ko" on the Korean page

   (``passed =`` keeps Jupyter from echoing the returned bool under the verdict);

3. the solution, tagged ``hide-input`` (the site shows its output, the pass verdict, and
   a button that reveals the code), with the button's text in the page's language in
   the cell metadata, ``"mystnb": {"code_prompt_show": "Show the solution",
   "code_prompt_hide": "Hide the solution"}`` (Korean: ``"풀이 보기"`` / ``"풀이 숨기기"``).
   It defines the function under a ``solution_`` name, so running every cell keeps the
   reader's own function, and runs the same check::

       def solution_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
           ...
           return h, c, cache

       passed = check_lstm_step_forward(solution_lstm_step_forward, lang="en")

A backward exercise passes ``forward=`` only if the reader wrote the forward in the same
chapter; otherwise its stub unpacks the scratch cache, whose layout the exercise's text
gives.
"""
from .rnn import check_rnn_step_forward, check_rnn_step_backward, check_rnn_backward
from .loss import check_temporal_softmax_loss
from .clip import check_clip_grad_norm
from .lstm import check_lstm_step_forward, check_lstm_step_backward
from .gru import check_gru_step_forward, check_gru_step_backward
from .attention import check_attention
from .scan import check_linear_scan_backward

__all__ = [
    "check_rnn_step_forward",
    "check_rnn_step_backward",
    "check_rnn_backward",
    "check_temporal_softmax_loss",
    "check_clip_grad_norm",
    "check_lstm_step_forward",
    "check_lstm_step_backward",
    "check_gru_step_forward",
    "check_gru_step_backward",
    "check_attention",
    "check_linear_scan_backward",
]
