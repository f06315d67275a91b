"""rnnkit.data.mujeong: search order, checksum refusal, atomic download, split.

Downloads come from a local HTTP server (conftest.http_server); the checksum the loader
expects is patched to that of a small synthetic file (conftest.fake_novel).
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from rnnkit.data import mujeong
from rnnkit.data.mujeong import (ChecksumMismatchError, DownloadError, load_mujeong, mujeong_path,
                                 split_text)

EXPECTED_TEXT = "첫째 줄입니다.\n둘째 줄, 金과 ㄱ.\n끝.\n"
WRONG = "이건 다른 글입니다.\r\n".encode("utf-8")


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def listing(directory: Path):
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


# ---------------------------------------------------------------- local files

def test_explicit_path_is_read_with_universal_newlines(fake_novel, clean_env, tmp_path):
    f = write(tmp_path / "m.txt", fake_novel)
    text = load_mujeong(f)
    assert text == EXPECTED_TEXT
    with f.open(encoding="utf-8") as handle:
        assert text == handle.read()                     # exactly what open() gives
    assert mujeong_path(str(f)) == f


def test_explicit_path_wins_over_env_var_cache_and_network(fake_novel, clean_env, tmp_path,
                                                           monkeypatch, http_server):
    f = write(tmp_path / "m.txt", fake_novel)
    monkeypatch.setenv(mujeong.ENV_VAR, str(tmp_path / "missing.txt"))   # would raise if consulted
    write(clean_env / mujeong.CACHE_NAME, WRONG)                          # would raise if consulted
    http_server.routes["/m.txt"] = (fake_novel, None)
    assert load_mujeong(f, url=http_server.url("/m.txt")) == EXPECTED_TEXT
    assert mujeong_path(f) == f
    assert http_server.hits == []


def test_explicit_path_missing_names_the_argument(fake_novel, clean_env, tmp_path):
    with pytest.raises(FileNotFoundError, match="path argument") as err:
        load_mujeong(tmp_path / "nope.txt")
    assert "nope.txt" in str(err.value)


def test_explicit_path_with_wrong_bytes_is_refused(fake_novel, clean_env, tmp_path):
    f = write(tmp_path / "m.txt", WRONG)
    with pytest.raises(ChecksumMismatchError) as err:
        load_mujeong(f)
    msg = str(err.value)
    assert isinstance(err.value, ValueError)
    assert f"{len(WRONG):,} bytes" in msg                         # what was found: size,
    assert hashlib.sha256(WRONG).hexdigest()[:12] in msg          # sha256 prefix,
    assert str(f) in msg                                          # path,
    assert "780,426 bytes" in msg and mujeong.SHA256[:12] in msg  # what was expected,
    assert "the path argument" in msg                             # and what to change


def test_env_var_is_used_before_cache_and_network(fake_novel, clean_env, tmp_path, monkeypatch,
                                                  http_server):
    f = write(tmp_path / "env.txt", fake_novel)
    monkeypatch.setenv(mujeong.ENV_VAR, str(f))
    write(clean_env / mujeong.CACHE_NAME, WRONG)                  # would raise if consulted
    http_server.routes["/m.txt"] = (fake_novel, None)
    assert load_mujeong(url=http_server.url("/m.txt")) == EXPECTED_TEXT
    assert mujeong_path() == f
    assert http_server.hits == []


def test_env_var_naming_a_missing_file_says_so(fake_novel, clean_env, tmp_path, monkeypatch):
    monkeypatch.setenv(mujeong.ENV_VAR, str(tmp_path / "gone.txt"))
    with pytest.raises(FileNotFoundError, match=mujeong.ENV_VAR) as err:
        load_mujeong()
    assert "gone.txt" in str(err.value)


def test_env_var_with_wrong_bytes_is_refused(fake_novel, clean_env, tmp_path, monkeypatch):
    monkeypatch.setenv(mujeong.ENV_VAR, str(write(tmp_path / "env.txt", WRONG)))
    with pytest.raises(ChecksumMismatchError, match=mujeong.ENV_VAR):
        load_mujeong()


def test_empty_env_var_counts_as_unset(fake_novel, clean_env, monkeypatch):
    monkeypatch.setenv(mujeong.ENV_VAR, "")
    cached = write(clean_env / mujeong.CACHE_NAME, fake_novel)
    assert mujeong_path() == cached


# ---------------------------------------------------------------- cache directory

def test_cache_dir_follows_xdg_and_can_be_overridden(clean_env, tmp_path, monkeypatch):
    assert mujeong.default_cache_dir() == clean_env
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert mujeong.default_cache_dir() == Path.home() / ".cache" / "rnnkit"
    monkeypatch.setenv(mujeong.CACHE_ENV_VAR, str(tmp_path / "mine"))
    assert mujeong.default_cache_dir() == tmp_path / "mine"


def test_corrupt_cache_is_refused_not_replaced(fake_novel, clean_env, http_server):
    cached = write(clean_env / mujeong.CACHE_NAME, WRONG)
    http_server.routes["/m.txt"] = (fake_novel, None)
    with pytest.raises(ChecksumMismatchError, match="Delete") as err:
        load_mujeong(url=http_server.url("/m.txt"), progress=False)
    assert str(cached) in str(err.value)
    assert cached.read_bytes() == WRONG          # the user's file is left alone
    assert http_server.hits == []


# ---------------------------------------------------------------- downloads

def test_download_fills_the_cache_atomically_and_is_reused(fake_novel, clean_env, http_server,
                                                          dead_url, capsys):
    http_server.routes["/m.txt"] = (fake_novel, None)
    assert load_mujeong(url=http_server.url("/m.txt"), progress=True) == EXPECTED_TEXT
    assert http_server.hits == ["/m.txt"]
    assert listing(clean_env) == [mujeong.CACHE_NAME]            # no temporary file left
    assert (clean_env / mujeong.CACHE_NAME).read_bytes() == fake_novel
    assert (clean_env / mujeong.CACHE_NAME).stat().st_mode & 0o777 == 0o644
    assert "무정" in capsys.readouterr().err                      # the tqdm bar was shown
    # Second call: served from the cache, the network is not touched (the URL is dead).
    assert load_mujeong(url=dead_url) == EXPECTED_TEXT
    assert http_server.hits == ["/m.txt"]


def test_download_into_an_explicit_cache_dir(fake_novel, clean_env, tmp_path, http_server):
    http_server.routes["/m.txt"] = (fake_novel, None)
    where = tmp_path / "a" / "b"
    assert mujeong_path(cache_dir=where, url=http_server.url("/m.txt"), progress=False) \
        == where / mujeong.CACHE_NAME
    assert listing(where) == [mujeong.CACHE_NAME]
    assert listing(clean_env) == []


def test_wrong_download_is_refused_and_not_cached(fake_novel, clean_env, http_server):
    http_server.routes["/m.txt"] = (WRONG, None)
    with pytest.raises(ChecksumMismatchError) as err:
        load_mujeong(url=http_server.url("/m.txt"), progress=False)
    msg = str(err.value)
    assert f"{len(WRONG):,} bytes" in msg and hashlib.sha256(WRONG).hexdigest()[:12] in msg
    assert "Nothing was cached" in msg
    assert listing(clean_env) == []


def test_interrupted_download_is_refused_and_not_cached(fake_novel, clean_env, http_server):
    half = fake_novel[: len(fake_novel) // 2]
    http_server.routes["/m.txt"] = (half, len(fake_novel))      # promises more than it sends
    with pytest.raises(DownloadError) as err:
        load_mujeong(url=http_server.url("/m.txt"), progress=False)
    assert isinstance(err.value, OSError)
    msg = str(err.value)
    assert "Nothing was cached" in msg
    # Depending on the Python version, http.client reports the short read itself
    # (IncompleteRead) or the loader notices that fewer bytes arrived than announced.
    assert f"received {len(half):,} of {len(fake_novel):,} bytes" in msg or "IncompleteRead" in msg
    assert listing(clean_env) == []


def test_download_cut_short_without_content_length_says_incomplete(fake_novel, clean_env, http_server):
    half = fake_novel[: len(fake_novel) // 2]
    http_server.routes["/m.txt"] = (half, False)                 # no Content-Length: only the size tells
    with pytest.raises(DownloadError) as err:
        load_mujeong(url=http_server.url("/m.txt"), progress=False)
    msg = str(err.value)
    assert f"the download was incomplete ({len(half):,} bytes of {mujeong.SIZE:,})" in msg
    assert "Check the URL" not in msg and "Nothing was cached" in msg
    assert listing(clean_env) == []
    http_server.routes["/m.txt"] = (fake_novel, False)           # complete, without the header: fine
    assert load_mujeong(url=http_server.url("/m.txt"), progress=False) == EXPECTED_TEXT


def _cache_folder_not_writable(kind, tmp_path, monkeypatch):
    """A cache folder the loader cannot write into: under a file, or read-only."""
    if kind == "under a file":
        (tmp_path / "a-file").write_text("x")
        return tmp_path / "a-file" / "cache"
    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
    else:                                          # root writes anywhere: refuse as the kernel would
        import tempfile

        def refuse(dir=None, prefix="", suffix=""):
            raise PermissionError(13, "Permission denied", os.path.join(dir, f"{prefix}x{suffix}"))
        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    return folder


@pytest.mark.parametrize("kind", ["under a file", "read-only"])
def test_a_cache_folder_that_is_not_writable_is_named_with_what_to_do(fake_novel, clean_env, tmp_path,
                                                                     monkeypatch, http_server, kind):
    folder = _cache_folder_not_writable(kind, tmp_path, monkeypatch)
    monkeypatch.setenv(mujeong.CACHE_ENV_VAR, str(folder))
    http_server.routes["/m.txt"] = (fake_novel, None)
    try:
        with pytest.raises(mujeong.CacheDirError) as err:
            load_mujeong(url=http_server.url("/m.txt"), progress=False)
    finally:
        if kind == "read-only":
            folder.chmod(0o755)
    msg = str(err.value)
    assert isinstance(err.value, OSError)
    assert f"the cache folder {folder} is not writable" in msg and ".part" not in msg
    assert f"Set {mujeong.CACHE_ENV_VAR} to a writable folder" in msg and mujeong.ENV_VAR in msg
    assert http_server.hits == []                  # refused before downloading


@pytest.mark.parametrize("body, declared, error", [
    (WRONG, None, ChecksumMismatchError),                    # the checksum is checked in the block
    (b"half", 100, DownloadError),                           # so is the length
])
def test_a_failed_download_leaves_the_old_file_and_no_part_file(fake_novel, tmp_path, http_server,
                                                                body, declared, error):
    dest = write(tmp_path / "cache" / "m.txt", b"the old file")
    http_server.routes["/m.txt"] = (body, declared)
    with pytest.raises(error):
        mujeong._download(http_server.url("/m.txt"), dest, progress=False)
    assert dest.read_bytes() == b"the old file"
    assert listing(dest.parent) == ["m.txt"]
    http_server.routes["/m.txt"] = (fake_novel, None)        # and a good one replaces it
    assert mujeong._download(http_server.url("/m.txt"), dest, progress=False) == fake_novel
    assert dest.read_bytes() == fake_novel and listing(dest.parent) == ["m.txt"]


def test_http_error_and_refused_connection_raise_download_error(fake_novel, clean_env, http_server,
                                                                dead_url):
    with pytest.raises(DownloadError, match="404"):
        load_mujeong(url=http_server.url("/missing.txt"), progress=False)
    with pytest.raises(DownloadError, match=mujeong.ENV_VAR):       # the message says what to do
        load_mujeong(url=dead_url, progress=False)
    assert listing(clean_env) == []


def test_keyboard_interrupt_during_download_leaves_nothing(fake_novel, clean_env, http_server,
                                                           monkeypatch):
    import tqdm.auto

    class Interrupted(tqdm.auto.tqdm):
        def update(self, n=1):
            raise KeyboardInterrupt

    monkeypatch.setattr(tqdm.auto, "tqdm", Interrupted)
    monkeypatch.setattr(mujeong, "_CHUNK", 8)
    http_server.routes["/m.txt"] = (fake_novel, None)
    with pytest.raises(KeyboardInterrupt):
        load_mujeong(url=http_server.url("/m.txt"), progress=False)
    assert listing(clean_env) == []


def test_bad_arguments_name_themselves(clean_env):
    with pytest.raises(ValueError, match="path"):
        load_mujeong(123)
    with pytest.raises(ValueError, match="path"):
        load_mujeong("")
    with pytest.raises(ValueError, match="cache_dir"):
        load_mujeong(cache_dir=5)
    with pytest.raises(ValueError, match="url"):
        load_mujeong(cache_dir=clean_env, url="")


# ---------------------------------------------------------------- split

def test_split_text_cuts_at_int_frac_times_length():
    text = "가나다라마바사아자차"            # 10 characters
    assert split_text(text) == ("가나다라마바사아자", "차")
    assert split_text(text, 0.25) == ("가나", "다라마바사아자차")   # int(2.5) == 2
    assert split_text(text * 7, 0.9) == ((text * 7)[:63], (text * 7)[63:])


@pytest.mark.parametrize("frac", [0, 1, 1.5, -0.1, True, "0.9", None])
def test_split_text_rejects_bad_frac(frac):
    with pytest.raises(ValueError, match="frac"):
        split_text("가나다라", frac)


def test_split_text_rejects_bad_text():
    with pytest.raises(ValueError, match="text"):
        split_text(b"bytes")
    with pytest.raises(ValueError, match="too short"):
        split_text("가", 0.9)


# ---------------------------------------------------------------- the real novel

def test_real_novel_through_the_env_var(novel_path, clean_env, monkeypatch, dead_url):
    monkeypatch.setenv(mujeong.ENV_VAR, novel_path)
    text = load_mujeong(url=dead_url)
    assert hashlib.sha256(Path(novel_path).read_bytes()).hexdigest() == mujeong.SHA256
    assert os.path.getsize(novel_path) == 780_426
    assert len(text) == 324_950
    assert len(set(text)) == 1_676
    assert "\r" not in text and text.count("\n") == 3_196
    with open(novel_path, encoding="utf-8") as handle:
        assert text == handle.read()
    train, valid = split_text(text)
    assert (len(train), len(valid)) == (292_455, 32_495)
    assert train + valid == text
    assert listing(clean_env) == []
