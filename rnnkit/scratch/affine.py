"""(placeholder: being written)"""

def temporal_affine_forward(*args, **kwargs):
    raise NotImplementedError


def temporal_affine_backward(*args, **kwargs):
    raise NotImplementedError


