"""Recurrent layers in numpy with explicit forward and backward passes.

Numpy only: importing this package never imports torch (``convert`` imports torch
lazily, inside the converter functions). Shapes: N batch, T time steps, D input size,
H hidden size, V vocabulary size. Row-vector layout: a step computes
``x @ Wx + h_prev @ Wh + b``. Gate order: LSTM i, f, o, g; GRU r, z, n.

The sequence functions ``lstm_forward`` / ``gru_forward`` (and their backward passes)
are loops over the step functions, to be read against the equations; ``fast`` holds the
same computations fused for speed (``lstm_forward_fast`` and so on). ``scan`` computes the
linear recurrence h_t = a_t ⊙ h_{t-1} + b_t step by step or as a log-depth parallel scan,
``mingru`` and ``minlstm`` build minGRU and minLSTM on it, ``diagonal`` the complex
diagonal recurrence of the LRU, ``selective`` Mamba's selective scan (chapter 09).
``bidirectional`` and ``stack`` build bidirectional and stacked layers from the three
cells (chapter 08), in PyTorch's order of layers and directions; ``stack_from_torch`` /
``stack_to_torch`` convert their weights.
"""
from .rnn import rnn_step_forward, rnn_step_backward, rnn_forward, rnn_backward
from .lstm import lstm_step_forward, lstm_step_backward, lstm_forward, lstm_backward
from .gru import gru_step_forward, gru_step_backward, gru_forward, gru_backward
from .fast import lstm_forward_fast, lstm_backward_fast, gru_forward_fast, gru_backward_fast
from .embedding import embedding_forward, embedding_backward
from .affine import temporal_affine_forward, temporal_affine_backward
from .loss import temporal_softmax_loss
from .convert import params_from_torch, params_to_torch, stack_from_torch, stack_to_torch
from .bidirectional import bidirectional_forward, bidirectional_backward
from .stack import stacked_forward, stacked_backward, init_stack
from .gradcheck import numerical_gradient, rel_error
from .clip import clip_grad_norm
from .scan import linear_scan_forward, linear_scan_backward, log_space_scan, prefix_scan
from .mingru import min_gru_forward, min_gru_backward
from .minlstm import min_lstm_forward, min_lstm_backward
from .diagonal import diagonal_scan, impulse_response, lru_backward, lru_eigenvalues, lru_forward, lru_ring_init
from .selective import selective_coefficients, selective_scan

__all__ = [
    "rnn_step_forward",
    "rnn_step_backward",
    "rnn_forward",
    "rnn_backward",
    "lstm_step_forward",
    "lstm_step_backward",
    "lstm_forward",
    "lstm_backward",
    "gru_step_forward",
    "gru_step_backward",
    "gru_forward",
    "gru_backward",
    "lstm_forward_fast",
    "lstm_backward_fast",
    "gru_forward_fast",
    "gru_backward_fast",
    "embedding_forward",
    "embedding_backward",
    "temporal_affine_forward",
    "temporal_affine_backward",
    "temporal_softmax_loss",
    "params_from_torch",
    "params_to_torch",
    "stack_from_torch",
    "stack_to_torch",
    "bidirectional_forward",
    "bidirectional_backward",
    "stacked_forward",
    "stacked_backward",
    "init_stack",
    "numerical_gradient",
    "rel_error",
    "clip_grad_norm",
    "linear_scan_forward",
    "linear_scan_backward",
    "log_space_scan",
    "prefix_scan",
    "min_gru_forward",
    "min_gru_backward",
    "min_lstm_forward",
    "min_lstm_backward",
    "diagonal_scan",
    "impulse_response",
    "lru_eigenvalues",
    "lru_ring_init",
    "lru_forward",
    "lru_backward",
    "selective_coefficients",
    "selective_scan",
]
