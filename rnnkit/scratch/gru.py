"""(placeholder: being written)"""

def gru_step_forward(*args, **kwargs):
    raise NotImplementedError


def gru_step_backward(*args, **kwargs):
    raise NotImplementedError


def gru_forward(*args, **kwargs):
    raise NotImplementedError


def gru_backward(*args, **kwargs):
    raise NotImplementedError


