"""(placeholder: being written)"""

def rnn_step_forward(*args, **kwargs):
    raise NotImplementedError


def rnn_step_backward(*args, **kwargs):
    raise NotImplementedError


def rnn_forward(*args, **kwargs):
    raise NotImplementedError


def rnn_backward(*args, **kwargs):
    raise NotImplementedError


