"""rnnkit.spacing.checkpoint: a saved model loads with the same outputs; a bad file is named and refused."""
import os
import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from rnnkit.spacing import checkpoint as ck  # noqa: E402
from rnnkit.spacing.checkpoint import load_checkpoint, save_checkpoint, weights_sha256  # noqa: E402
from rnnkit.spacing.model import UNK, SpacingModel, line_probabilities, spacing_vocab  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    """One torch thread: reproducible and fast for tiny models (tests/conftest.py)."""


@pytest.fixture
def saved(tmp_path, salad):
    torch.manual_seed(0)
    vocab = spacing_vocab(salad(30))
    model = SpacingModel(len(vocab), embed=6, hidden=5, num_layers=2, residual=True, cell="gru", dropout=0.1)
    path = save_checkpoint(tmp_path / "m.pt", model, vocab, log=[{"step": 1, "loss": 0.5}], meta={"seed": 0})
    return path, model, vocab


def test_a_saved_model_loads_with_its_vocabulary_config_and_outputs(saved):
    path, model, vocab = saved
    loaded, v, ckpt = load_checkpoint(path)
    assert v.chars == vocab.chars and v.unk == UNK and len(v) == 23
    assert loaded.config == model.config and loaded.config["residual"] and not loaded.training
    assert (ckpt["format"], ckpt["version"]) == ("rnnkit.spacing", 1)
    assert ckpt["log"] == [{"step": 1, "loss": 0.5}] and ckpt["meta"] == {"seed": 0}
    lines = ["형식은학교에갔다.", "영채가X웃는다."]                     # X is not in the vocabulary
    for a, b in zip(line_probabilities(model, vocab, lines), line_probabilities(loaded, v, lines)):
        np.testing.assert_array_equal(a, b)
    assert ckpt["sha256"] == weights_sha256(model.state_dict()) and len(ckpt["sha256"]) == 64
    assert oct(os.stat(path).st_mode & 0o777) == "0o644"
    assert not [p for p in os.listdir(path.parent) if p != "m.pt"]        # no temporary file left


def test_the_same_model_gives_the_same_bytes(saved, tmp_path):
    path, model, vocab = saved
    again = save_checkpoint(tmp_path / "again.pt", model, vocab, log=[{"step": 1, "loss": 0.5}], meta={"seed": 0})
    assert again.read_bytes() == path.read_bytes()


def test_the_checksum_covers_names_shapes_and_bytes():
    w = {"a": torch.zeros(2, 3), "b": torch.ones(4)}
    base = weights_sha256(w)
    assert weights_sha256({"b": torch.ones(4), "a": torch.zeros(2, 3)}) == base
    assert weights_sha256({"a": torch.zeros(3, 2), "b": torch.ones(4)}) != base
    assert weights_sha256({"a": torch.zeros(2, 3), "c": torch.ones(4)}) != base
    changed = {"a": torch.zeros(2, 3), "b": torch.ones(4)}
    changed["b"][2] = 1.0000001
    assert weights_sha256(changed) != base


def test_log_and_meta_are_stored_as_plain_values(tmp_path, salad):
    """numpy scalars and str subclasses become builtins (weights_only reads them); objects are refused."""
    vocab = spacing_vocab(salad(5))
    model = SpacingModel(len(vocab), embed=2, hidden=2, num_layers=1)
    meta = {"f1": np.float64(0.25), "n": np.int64(3), "torch": torch.__version__, "t": (1, [np.float32(0.5)])}
    path = save_checkpoint(tmp_path / "p.pt", model, vocab, log=[{"loss": np.float32(0.125)}], meta=meta)
    ckpt = load_checkpoint(path)[2]
    assert ckpt["meta"] == {"f1": 0.25, "n": 3, "torch": str(torch.__version__), "t": [1, [0.5]]}
    assert type(ckpt["meta"]["f1"]) is float and type(ckpt["meta"]["torch"]) is str
    assert ckpt["log"] == [{"loss": 0.125}] and type(ckpt["log"][0]["loss"]) is float
    with pytest.raises(ValueError, match=r"^meta\['where'\] must hold only None, bool, int, float, str, "
                                         r"lists and dicts with str keys, got PosixPath"):
        save_checkpoint(tmp_path / "q.pt", model, vocab, meta={"where": tmp_path})
    assert not (tmp_path / "q.pt").exists()


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(f"{tmp_path / 'no.pt'}: no such checkpoint file; "
                                                          f"train one with `python -m rnnkit.spacing train")):
        load_checkpoint(tmp_path / "no.pt")
    with pytest.raises(IsADirectoryError, match="is a folder, not a checkpoint file"):
        load_checkpoint(tmp_path)


def test_truncated_empty_and_foreign_files(saved, tmp_path):
    path = saved[0]
    cut = tmp_path / "cut.pt"
    cut.write_bytes(path.read_bytes()[:700])
    with pytest.raises(ValueError, match=re.escape(f"{cut}: not a readable checkpoint (torch: ")):
        load_checkpoint(cut)
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=re.escape(f"{empty}: not a readable checkpoint (the file is empty)")):
        load_checkpoint(empty)
    text = tmp_path / "text.pt"
    text.write_text("형식은 학교에 갔다.", encoding="utf-8")
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        load_checkpoint(text)


def test_a_byte_flipped_in_a_weight_is_caught_by_the_checksum(saved, tmp_path):
    """torch loads the damaged file without complaint; the stored sha256 does not match."""
    path, model, _ = saved
    data = bytearray(path.read_bytes())
    head = model.head.weight.detach().numpy().tobytes()
    at = data.find(head)
    assert at > 0
    data[at + 1] ^= 0x40
    bad = tmp_path / "flipped.pt"
    bad.write_bytes(bytes(data))
    assert not torch.equal(torch.load(bad, weights_only=True)["weights"]["head.weight"], model.head.weight)
    with pytest.raises(ValueError, match=re.escape(f"{bad}: the weights' sha256 is ")
                       + r".*but the file records .*changed or damaged after saving; copy the file again"):
        load_checkpoint(bad)


def _resave(tmp_path, ckpt, name="edited.pt"):
    path = tmp_path / name
    torch.save(ckpt, path)
    return path


@pytest.mark.parametrize("edit, message", [
    (lambda c: c.update(format="rnnkit.charlm"),
     "not an rnnkit.spacing checkpoint (format field: 'rnnkit.charlm', expected 'rnnkit.spacing'); pass a file"),
    (lambda c: c.update(version=2), "checkpoint format version 2, but this rnnkit reads version 1"),
    (lambda c: c.pop("sha256"), "checkpoint lacks sha256; retrain with `python -m rnnkit.spacing train"),
    (lambda c: c["config"].pop("residual"), "checkpoint lacks config.residual"),
    (lambda c: c.update(chars=c["chars"][:-1]), "the vocabulary has 22 characters but config.vocab_size is 23"),
    (lambda c: c.update(unk="#"), "the vocabulary lacks its unknown-character symbol '#'"),
    (lambda c: c["config"].update(hidden=7),
     "weight layers.0.weight_ih_l0 has shape (15, 6), but the config vocab_size 23, embed 6, hidden 7, "
     "num_layers 2, cell gru expects (21, 6)"),
    (lambda c: c["config"].update(residual=False), "the weights do not fit the config vocab_size 23, embed 6, "
                                                   "hidden 5, num_layers 2, cell gru: missing rnn.weight_ih_l0"),
    (lambda c: c["config"].update(cell="transformer"), "config is not valid (cell must be one of"),
])
def test_inconsistent_checkpoints_are_refused_with_what_was_expected(saved, tmp_path, edit, message):
    ckpt = torch.load(saved[0], weights_only=True)
    edit(ckpt)
    path = _resave(tmp_path, ckpt)
    with pytest.raises(ValueError, match="^" + re.escape(f"{path}: {message}")):
        load_checkpoint(path)


def test_a_weight_of_another_shape_is_named(saved, tmp_path):
    ckpt = torch.load(saved[0], weights_only=True)
    ckpt["weights"]["head.weight"] = torch.zeros(1, 7)
    ckpt["sha256"] = weights_sha256(ckpt["weights"])
    path = _resave(tmp_path, ckpt)
    with pytest.raises(ValueError, match=re.escape("weight head.weight has shape (1, 7), but the config "
                                                   "vocab_size 23, embed 6, hidden 5, num_layers 2, cell gru "
                                                   "expects (1, 10)")):
        load_checkpoint(path)


def test_save_refuses_what_is_not_a_spacing_model(tmp_path, salad):
    vocab = spacing_vocab(salad(5))
    with pytest.raises(ValueError, match="^model must be a SpacingModel, got Linear"):
        save_checkpoint(tmp_path / "x.pt", torch.nn.Linear(2, 2), vocab)
    with pytest.raises(ValueError, match="^vocab has 23 characters but the model's embedding has vocab_size = 9"):
        save_checkpoint(tmp_path / "x.pt", SpacingModel(9, embed=2, hidden=2), vocab)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_checkpoint(tmp_path / "no" / "x.pt", SpacingModel(len(vocab), embed=2, hidden=2), vocab)
    assert ck.SHIPPED.name == "spacing_mujeong.pt" and ck.SHIPPED.parent.name == "checkpoints"
