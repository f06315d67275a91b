"""(placeholder: being written)"""

def lstm_step_forward(*args, **kwargs):
    raise NotImplementedError


def lstm_step_backward(*args, **kwargs):
    raise NotImplementedError


def lstm_forward(*args, **kwargs):
    raise NotImplementedError


def lstm_backward(*args, **kwargs):
    raise NotImplementedError


