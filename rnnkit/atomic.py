"""Atomic file writes: the one way rnnkit writes a file a user keeps.

Vocabularies, checkpoints, stored results and the downloaded novel are all written
through :func:`atomic_file`: the bytes go to a temporary file in the destination's
folder, which :func:`os.replace` renames over the destination only once it is complete.
A reader, or a crash halfway, sees the old file or the whole new one, never a partial
write; on any error the temporary file is removed and the old file is untouched.

Every file ends up with mode ``0o644`` (``FILE_MODE``): readable by everyone, writable by
its owner, like a file any editor saves (``tempfile.mkstemp`` alone would leave 0600).
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .checks import check_path

FILE_MODE = 0o644


@contextlib.contextmanager
def atomic_file(path, mode="wb", *, encoding=None, suffix=".tmp"):
    """Open a temporary file beside ``path``; on leaving the block, rename it to ``path``.

    Parameters
    ----------
    path : str or os.PathLike, the destination (its folder must exist)
    mode : "wb" or "w"
    encoding : text encoding for ``mode="w"`` (default UTF-8)
    suffix : ending of the temporary file's name (``.part`` for a download)

    Yields
    ------
    f : the open temporary file. Its name is ``f.name``, for writers (such as
        ``torch.save``) that want a file object or a path.
    """
    path = check_path("path", path)
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', got {mode!r}")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path}: its folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)                  # reopened by name, so that f.name is the temporary file's path
    try:
        with open(tmp, mode, encoding=(encoding or "utf-8") if mode == "w" else None) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write(path, data) -> Path:
    """Write ``data`` (str as UTF-8, or bytes) to ``path`` atomically; returns the Path."""
    if not isinstance(data, (str, bytes)):
        raise ValueError(f"data must be str or bytes, got {type(data).__name__}")
    with atomic_file(path, "w" if isinstance(data, str) else "wb") as f:
        f.write(data)
    return Path(path)
