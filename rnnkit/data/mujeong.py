"""이광수, 『무정』 (1917): finding, checking and reading the text of chapter 07.

The novel is public domain but the project does not ship it. :func:`load_mujeong`
looks for it in this order and uses the first place that gives an answer:

1. the ``path`` argument, if given;
2. the file named by the environment variable ``RNNKIT_MUJEONG``, if set and non-empty;
3. ``mujeong.txt`` in the cache directory (:func:`default_cache_dir`, or ``cache_dir``);
4. a download from :data:`DEFAULT_URL` (a raw GitHub URL pinned to one commit) into
   that cache directory.

Whatever the source, the bytes must have the sha256 :data:`SHA256`; any other file is
refused with :class:`ChecksumMismatchError`, whose message says what was found and
what to do. A download is written to a temporary file beside the cache file
(:func:`rnnkit.atomic.atomic_file`), checked, and only then renamed into place, so an
interrupted or wrong download never leaves a cache file behind.

The text is decoded as UTF-8 with universal newlines (the file has CRLF line ends):
324,950 characters, 1,676 distinct. :func:`split_text` gives the standard split used for
every number the book reports: the first 90% for training, the last 10% held out.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
from pathlib import Path

from rnnkit.atomic import atomic_file

#: Pinned source: byte-identical to ``../shared/data/mujeong.txt`` of the project.
DEFAULT_URL = ("https://raw.githubusercontent.com/mingyeong21/mujeong-gpt/"
               "fdd6be424a32d820a660a8babd270283ead16497/data/input.txt")
#: sha256 of the file (UTF-8, CRLF line ends) and its size in bytes.
SHA256 = "1a43d287a674b2636ba92742937d5c9619b0ea4a17ca48e5f704444cfecf3d7d"
SIZE = 780_426
#: Environment variable naming a local copy of the file.
ENV_VAR = "RNNKIT_MUJEONG"
#: Environment variable overriding the cache directory.
CACHE_ENV_VAR = "RNNKIT_CACHE_DIR"
#: Name of the cached copy inside the cache directory.
CACHE_NAME = "mujeong.txt"

_CHUNK = 1 << 16          # bytes per read while downloading
_TIMEOUT = 60             # seconds without progress before a download gives up


class ChecksumMismatchError(ValueError):
    """A file claiming to be 『무정』 does not have the expected sha256."""


class DownloadError(OSError):
    """The download failed, was cut short, or did not return the expected bytes."""


class CacheDirError(OSError):
    """The cache folder cannot be created or written into, so nothing can be downloaded into it."""


def default_cache_dir() -> Path:
    """The directory where a downloaded copy is kept.

    ``$RNNKIT_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/rnnkit``, else
    ``~/.cache/rnnkit``. The directory is not created here.
    """
    if os.environ.get(CACHE_ENV_VAR):
        return Path(os.environ[CACHE_ENV_VAR]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "rnnkit"


def _describe(data: bytes, where) -> str:
    return f"{len(data):,} bytes with sha256 {hashlib.sha256(data).hexdigest()[:12]}… at {where}"


def _verify(data: bytes, where, advice: str) -> None:
    """Raise ChecksumMismatchError unless ``data`` hashes to :data:`SHA256`."""
    if hashlib.sha256(data).hexdigest() != SHA256:
        raise ChecksumMismatchError(
            f"this is not the expected text of 『무정』: found {_describe(data, where)}, "
            f"expected {SIZE:,} bytes with sha256 {SHA256[:12]}…. {advice}")


def _read_local(path, source: str, fallback: str) -> bytes:
    """Read and verify a local copy; ``source`` says where the path came from and
    ``fallback`` how to let the loader look elsewhere instead."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(
            f"{source} names {str(path)!r}, which is not a file. Point it at a copy of "
            f"mujeong.txt (from {DEFAULT_URL}), or {fallback}")
    data = path.read_bytes()
    _verify(data, path, f"Point {source} at an unmodified copy of the file (from {DEFAULT_URL}), "
                        f"or {fallback}")
    return data


def _download(url: str, dest: Path, progress: bool) -> bytes:
    """Stream ``url`` into ``dest`` atomically and return the verified bytes.

    The bytes go to a temporary ``.part`` file beside ``dest``
    (:func:`rnnkit.atomic.atomic_file`); its length and sha256 are checked inside the
    block, so a wrong download raises before the rename. On any failure (including
    KeyboardInterrupt) the temporary file is deleted and ``dest`` is left untouched. A
    folder that cannot be written raises :class:`CacheDirError` before the download.
    """
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(dest, "wb", suffix=".part") as out:
            return _fetch(url, out, progress)
    except (DownloadError, ChecksumMismatchError):
        raise
    except OSError as err:           # creating the folder, its temporary file, or the rename
        raise CacheDirError(
            f"the cache folder {dest.parent} is not writable ({err.strerror or type(err).__name__}), "
            f"so 『무정』 cannot be downloaded into it. Set {CACHE_ENV_VAR} to a writable folder, "
            f"or {ENV_VAR} to a copy of mujeong.txt") from None


def _fetch(url: str, out, progress: bool) -> bytes:
    """Stream ``url`` into the open file ``out``; the bytes, once their length and sha256 are checked."""
    from tqdm.auto import tqdm   # imported here: only a download needs it

    digest, parts, received, expected = hashlib.sha256(), [], 0, None
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT) as resp:
            length = resp.headers.get("Content-Length")
            expected = int(length) if length is not None and length.isdigit() else None
            with tqdm(total=expected, unit="B", unit_scale=True, unit_divisor=1024,
                      desc="무정", disable=not progress) as bar:
                while chunk := resp.read(_CHUNK):
                    out.write(chunk)
                    parts.append(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
    # URLError, HTTPError, timeouts and resets are OSErrors; IncompleteRead and a bad
    # status line are HTTPExceptions; a malformed URL is a ValueError.
    except (OSError, http.client.HTTPException, ValueError) as err:
        stopped = f" (stopped after {received:,} bytes)" if received else ""
        raise DownloadError(
            f"could not download 『무정』 from {url}{stopped}: {err!r}. "
            f"Nothing was cached. Check the connection and try again, or download the file "
            f"yourself and set {ENV_VAR} to its path") from err
    if expected is not None and received != expected:
        raise DownloadError(
            f"the download of 『무정』 from {url} was cut short: received {received:,} of "
            f"{expected:,} bytes. Nothing was cached; try again")
    if digest.hexdigest() != SHA256 and expected is None and received < SIZE:
        raise DownloadError(
            f"could not download 『무정』 from {url}: the download was incomplete ({received:,} bytes "
            f"of {SIZE:,}); the connection closed early and the server sent no length. Nothing was "
            f"cached; try again, or download the file yourself and set {ENV_VAR} to its path")
    if digest.hexdigest() != SHA256:
        raise ChecksumMismatchError(
            f"the download from {url} is not the expected text of 『무정』: found {received:,} "
            f"bytes with sha256 {digest.hexdigest()[:12]}…, expected {SIZE:,} bytes with sha256 "
            f"{SHA256[:12]}…. Nothing was cached. Check the URL, or set {ENV_VAR} to a "
            f"verified local copy")
    return b"".join(parts)


def _locate(path, cache_dir, url, progress) -> tuple[Path, bytes]:
    """Return (the path that was used, its verified bytes), trying the sources in order."""
    if path is not None:
        if not isinstance(path, (str, os.PathLike)) or str(path) == "":
            raise ValueError(f"path must be a non-empty str or os.PathLike, got {path!r}")
        return Path(path).expanduser(), _read_local(
            path, "the path argument", f"pass no path to use ${ENV_VAR}, the cache or a download")
    if os.environ.get(ENV_VAR):
        env_path = os.environ[ENV_VAR]
        return Path(env_path).expanduser(), _read_local(
            env_path, f"the environment variable {ENV_VAR}", "unset it to use the cache or a download")
    if cache_dir is not None and (not isinstance(cache_dir, (str, os.PathLike)) or str(cache_dir) == ""):
        raise ValueError(f"cache_dir must be a non-empty str or os.PathLike, got {cache_dir!r}")
    cached = Path(cache_dir if cache_dir is not None else default_cache_dir()).expanduser() / CACHE_NAME
    if cached.is_file():
        data = cached.read_bytes()
        _verify(data, cached, f"Delete {cached} and call again to download a fresh copy.")
        return cached, data
    if not isinstance(url, str) or not url:
        raise ValueError(f"url must be a non-empty string, got {url!r}")
    return cached, _download(url, cached, progress)


def mujeong_path(path=None, *, cache_dir=None, url: str = DEFAULT_URL, progress: bool = True) -> Path:
    """The verified local file holding 『무정』, downloading it into the cache if needed.

    Same arguments and search order as :func:`load_mujeong`; returns the path it used.
    """
    return _locate(path, cache_dir, url, progress)[0]


def load_mujeong(path=None, *, cache_dir=None, url: str = DEFAULT_URL, progress: bool = True) -> str:
    """Return the full text of 『무정』 as one ``str`` (324,950 characters, ``\\n`` line ends).

    Parameters
    ----------
    path : str or os.PathLike, optional
        A local copy to use. If given, nothing else is tried.
    cache_dir : str or os.PathLike, optional
        Where the downloaded copy lives (default: :func:`default_cache_dir`).
    url : str
        Where to download from when no local copy is found (default :data:`DEFAULT_URL`).
    progress : bool
        Show a tqdm progress bar while downloading.

    Raises
    ------
    FileNotFoundError
        ``path`` or ``$RNNKIT_MUJEONG`` names a file that does not exist.
    ChecksumMismatchError (a ValueError)
        The file found, or downloaded, is not byte-identical to the expected one.
    DownloadError (an OSError)
        The download failed or was cut short. No cache file is left behind.
    CacheDirError (an OSError)
        The cache folder cannot be written; set ``RNNKIT_CACHE_DIR`` (or ``RNNKIT_MUJEONG``).
    """
    data = _locate(path, cache_dir, url, progress)[1]
    # Universal newlines, exactly as open(path, encoding="utf-8").read() would give.
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def split_text(text: str, frac: float = 0.9) -> tuple[str, str]:
    """Split ``text`` into (train, held-out) at character index ``int(frac * len(text))``.

    With the default ``frac=0.9`` on the novel, the split point is 292,455: the
    held-out part (32,495 characters) is the end of the novel, never seen in training.

    Parameters
    ----------
    text : str, at least 2 characters
    frac : float in (0, 1), the fraction kept for training

    Returns
    -------
    (train, valid) : two non-empty strings with ``train + valid == text``
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    if isinstance(frac, bool) or not isinstance(frac, (int, float)) or not 0.0 < frac < 1.0:
        raise ValueError(f"frac must be a float strictly between 0 and 1, got {frac!r}")
    cut = int(frac * len(text))
    if cut == 0 or cut == len(text):
        raise ValueError(f"text of length {len(text)} is too short to split at frac={frac}: "
                         f"one part would be empty")
    return text[:cut], text[cut:]
