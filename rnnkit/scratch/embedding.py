"""(placeholder: being written)"""

def embedding_forward(*args, **kwargs):
    raise NotImplementedError


def embedding_backward(*args, **kwargs):
    raise NotImplementedError


