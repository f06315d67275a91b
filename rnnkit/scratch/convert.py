"""(placeholder: being written)"""

def params_from_torch(*args, **kwargs):
    raise NotImplementedError


def params_to_torch(*args, **kwargs):
    raise NotImplementedError


