"""Pieces shared by the sub-commands of ``python -m rnnkit.charlm``.

Argument types and the help formatter of the parser, the reading of ``--data`` (or of
the novel, found by :func:`rnnkit.data.mujeong.load_mujeong`), and the printing of a held-out
score. The sub-commands themselves are in ``rnnkit/charlm/__main__.py`` and, for
``train``, in :mod:`rnnkit.charlm.cli_train`.
"""
from __future__ import annotations


from rnnkit.cliargs import Defaults, positive  # noqa: F401  (re-exported for the subcommands)
from rnnkit.data import load_mujeong

PROG = "python -m rnnkit.charlm"


def read_text(data):
    """The text of ``--data`` (any UTF-8 file; universal newlines), or the verified novel if None."""
    if data is None:
        return load_mujeong()
    with open(data, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as err:
        if err.reason == "unexpected end of data":        # UTF-8 up to a character cut in two at the end
            raise ValueError(f"--data {data} ends in the middle of a character (its last "
                             f"{len(raw) - err.start} byte(s)): the file was cut short, e.g. by a byte "
                             f"count; cut it at a character boundary") from None
        raise ValueError(f"--data {data} is not UTF-8 text: byte 0x{raw[err.start]:02x} at position "
                         f"{err.start:,} ({err.reason}); save it as UTF-8, e.g. with "
                         f"`iconv -f cp949 -t utf-8`") from None
    if len(text) < 20:
        raise ValueError(f"{data}: {len(text)} characters is too short to split into "
                         f"training and held-out text")
    return text


def print_result(r, tokens):
    """Print the held-out bits per character of ``r`` (:func:`~rnnkit.charlm.evaluate.evaluate_heldout`)."""
    unit = "bits per character" if tokens == "syllable" else "bits per syllable (character)"
    print(f"held-out: {r['bits_per_char']:.4f} {unit} over {r['chars']:,} characters"
          + (f" ({r['bits_per_token']:.4f} bits per jamo token)" if tokens == "jamo" else ""))
    if "dynamic_bits_per_char" in r:
        print(f"dynamic evaluation (SGD lr {r['dynamic_lr']}, segments of {r['dynamic_segment']}): "
              f"{r['dynamic_bits_per_char']:.4f} {unit}")
