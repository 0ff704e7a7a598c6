"""gglnet.data.splits: reading, writing, resolving and cutting split lists."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import shared_path

from gglnet.data import IRSTDDataset
from gglnet.data.splits import (
    SPLITS_DIR,
    bundled_splits,
    cut_split,
    read_split,
    resolve_split,
    split_pair,
    write_split,
)


def test_read_split_skips_blanks_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text("# stems\na\n\n  b  \r\nc")  # no trailing newline, like SIRST's lists
    assert read_split(path) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("text", "message"), [("", "is empty"), ("# only\n\n", "is empty"), ("a\nb\na\n", "'a'")]
)
def test_read_split_rejects_empty_and_duplicates(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as error:
        read_split(path)
    assert str(path) in str(error.value)


def test_read_split_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.txt"):
        read_split(tmp_path / "nope.txt")


def test_write_split_round_trip_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = write_split(tmp_path / "sub" / "s.txt", ["x", "y"])
    assert read_split(path) == ["x", "y"]
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_split(path, ["z"])
    assert read_split(path) == ["x", "y"]
    write_split(path, ["z"], overwrite=True)
    assert read_split(path) == ["z"]
    with pytest.raises(ValueError, match="empty"):
        write_split(tmp_path / "e.txt", [])


@pytest.mark.parametrize(
    ("n", "fraction", "n_train"), [(10, 0.7, 7), (1327, 0.7, 929), (3, 0.5, 2)]
)
def test_cut_split_sizes_disjoint_and_complete(n: int, fraction: float, n_train: int) -> None:
    stems = [f"{i:06d}" for i in range(n)]
    train, rest = cut_split(stems, fraction, seed=0)
    assert len(train) == n_train
    assert not set(train) & set(rest)
    assert sorted(train + rest) == stems
    assert train == sorted(train) and rest == sorted(rest)


def test_cut_split_is_order_independent_and_seeded() -> None:
    stems = [f"img_{i}" for i in range(50)]
    assert cut_split(stems, 0.7, 0) == cut_split(stems[::-1], 0.7, 0)
    assert cut_split(stems, 0.7, 0) != cut_split(stems, 0.7, 1)
    assert cut_split([f"{i:03d}" for i in range(10)])[1] == ["002", "003", "006"]  # docstring


@pytest.mark.parametrize(
    ("stems", "fraction", "message"),
    [
        (["a", "b"], 0.0, "strictly between"),
        (["a", "b"], 1.0, "strictly between"),
        (["a", "a", "b"], 0.5, "duplicates"),
        (["a"], 0.5, "would be empty"),
        (["a", "b", "c"], 0.9, "would be empty"),
    ],
)
def test_cut_split_rejects_bad_input(stems: list[str], fraction: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cut_split(stems, fraction)


@pytest.fixture
def split_root(tmp_path: Path) -> Path:
    for name in ("idx_a/test.txt", "idx_a/trainval.txt", "idx_b/test.txt", "all.txt", "x/val.txt"):
        write_split(tmp_path / name, ["s"])
    return tmp_path


@pytest.mark.parametrize(
    ("split", "expected"),
    [
        ("idx_a/test", "idx_a/test.txt"),
        ("idx_a/test.txt", "idx_a/test.txt"),
        ("all", "all.txt"),
        ("val", "x/val.txt"),  # a bare name found one folder down
        ("trainval", "idx_a/trainval.txt"),
    ],
)
def test_resolve_split_under_root(split_root: Path, split: str, expected: str) -> None:
    assert resolve_split(split_root, split) == split_root / expected


def test_resolve_split_by_path_and_bundled(split_root: Path, tmp_path: Path) -> None:
    outside = write_split(tmp_path.parent / f"{tmp_path.name}_list.txt", ["s"])
    assert resolve_split(split_root, outside) == outside
    assert resolve_split(split_root, "nudt-sirst_70_30/test") == (
        SPLITS_DIR / "nudt-sirst_70_30" / "test.txt"
    )


def test_resolve_split_errors(split_root: Path) -> None:
    with pytest.raises(ValueError, match=r"ambiguous.*idx_a/test, idx_b/test"):
        resolve_split(split_root, "test")
    with pytest.raises(ValueError, match=r"folder of splits.*idx_a/test, idx_a/trainval"):
        resolve_split(split_root, "idx_a")
    with pytest.raises(FileNotFoundError, match=r"'nope' not found.*available: all, idx_a/test"):
        resolve_split(split_root, "nope")


def test_split_pair(split_root: Path) -> None:
    assert split_pair(split_root, "idx_a") == ("idx_a/trainval", "idx_a/test")
    assert split_pair(split_root, "all") == ("all", None)
    assert split_pair(split_root, "nudt-sirst_70_30") == (
        "nudt-sirst_70_30/trainval",
        "nudt-sirst_70_30/test",
    )
    with pytest.raises(FileNotFoundError, match=r"neither trainval\.txt nor train\.txt"):
        split_pair(split_root, "x")


def test_bundled_splits_listed() -> None:
    assert {"nudt-sirst_70_30/trainval", "nudt-sirst_70_30/test"} <= set(bundled_splits())


def test_nudt_70_30_lists_are_a_fresh_cut_of_all_stems() -> None:
    root = shared_path("datasets", "nudt-sirst")
    stems = IRSTDDataset(root, split=None, size=None).stems
    train = read_split(SPLITS_DIR / "nudt-sirst_70_30" / "trainval.txt")
    test = read_split(SPLITS_DIR / "nudt-sirst_70_30" / "test.txt")
    assert len(stems) == 1327
    assert (len(train), len(test)) == (929, 398)
    assert not set(train) & set(test)
    assert sorted(train + test) == sorted(stems)
    assert (train, test) == cut_split(stems, train_fraction=0.7, seed=0)
