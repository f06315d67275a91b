"""(placeholder: being written)"""

def temporal_softmax_loss(*args, **kwargs):
    raise NotImplementedError


