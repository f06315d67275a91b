"""Pieces shared by the command-line tools (``python -m rnnkit.charlm``, ``python -m rnnkit.spacing``)."""
from __future__ import annotations

import argparse


def positive(kind):
    """An argparse type: ``kind(s)`` (int or float) if it is > 0, else a message naming what was expected."""
    def parse(s):
        try:
            v = kind(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {s!r}") from None
        if not v > 0:
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {s!r}")
        return v
    return parse


class Defaults(argparse.ArgumentDefaultsHelpFormatter):
    """Show defaults in --help, except None (no default) and on/off flags."""

    def _get_help_string(self, action):
        if action.default is None or action.nargs == 0:
            return action.help
        return super()._get_help_string(action)
