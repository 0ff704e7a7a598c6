"""Split lists: text files naming one image stem per line.

A split is chosen by name or by file. :func:`resolve_split` looks, in order, for

1. ``<root>/<name>`` or ``<root>/<name>.txt`` (``"idx_320/test"`` in SIRST),
2. a list shipped with gglnet in this folder (``"nudt-sirst_70_30/trainval"``),
3. ``<name>`` as a path to a file,
4. a bare name (``"test"``) one folder below the root (``<root>/*/test.txt``), when exactly
   one such file exists.

The lists shipped here (see :func:`bundled_splits`) are ours, cut by :func:`cut_split`:

- ``nudt-sirst_70_30/{trainval,test}.txt``: NUDT-SIRST 7:3. The paper's 7:3 list is not
  published; this one is ``cut_split(all 1327 stems, train_fraction=0.7, seed=0)``
  (929 train / 398 test). Regenerate it with :func:`cut_split` as shown in ``docs/data.md``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = [
    "SPLITS_DIR",
    "bundled_splits",
    "cut_split",
    "read_split",
    "resolve_split",
    "split_pair",
    "write_split",
]

SPLITS_DIR = Path(__file__).resolve().parent
"""The folder holding gglnet's own split lists (``<name>/<part>.txt``)."""


def read_split(path: str | Path) -> list[str]:
    """Read a split list: one stem per line; blank lines and ``#`` comments are skipped.

    Args:
        path: the text file.

    Returns:
        The stems in file order.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the list is empty or names a stem twice (the message names the file).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"split file not found: {path}")
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    stems = [line for line in lines if line and not line.startswith("#")]
    if not stems:
        raise ValueError(f"split file {path} is empty (expected one image stem per line)")
    seen: set[str] = set()
    for stem in stems:
        if stem in seen:
            raise ValueError(f"split file {path} lists {stem!r} more than once")
        seen.add(stem)
    return stems


def write_split(path: str | Path, stems: Iterable[str], overwrite: bool = False) -> Path:
    """Write a split list, one stem per line (the format :func:`read_split` reads).

    Args:
        path: the text file to create; missing parent folders are created.
        stems: the stems, written in the given order.
        overwrite: replace an existing file.

    Returns:
        ``path``.

    Raises:
        FileExistsError: the file exists and ``overwrite`` is false.
        ValueError: ``stems`` is empty.
    """
    path = Path(path)
    stems = list(stems)
    if not stems:
        raise ValueError(f"refusing to write an empty split list to {path}")
    if path.exists() and not overwrite:
        raise FileExistsError(f"split file {path} exists; pass overwrite=True to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{stem}\n" for stem in stems), encoding="utf-8")
    return path


def cut_split(
    stems: Iterable[str], train_fraction: float = 0.7, seed: int = 0
) -> tuple[list[str], list[str]]:
    """Cut stems into two disjoint lists, reproducibly and independently of input order.

    Stems are ranked by the SHA-256 of ``f"{seed}:{stem}"``; the first
    ``round(train_fraction * n)`` form the first list. Hashing (rather than a random
    generator) makes the cut independent of library versions and of the order of ``stems``.

    Args:
        stems: distinct stems (e.g. every image of a dataset).
        train_fraction: the share of the first list, strictly between 0 and 1.
        seed: changes the cut.

    Returns:
        ``(train, rest)``, each sorted; both non-empty.

    Raises:
        ValueError: a fraction outside ``(0, 1)``, duplicate stems, or too few stems to give
            both lists at least one.

    Example:
        >>> cut_split([f"{i:03d}" for i in range(10)], train_fraction=0.7, seed=0)[1]
        ['002', '003', '006']
    """
    stems = list(stems)
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must lie strictly between 0 and 1, got {train_fraction}")
    if len(set(stems)) != len(stems):
        raise ValueError("cut_split needs distinct stems, got duplicates")
    n_train = round(train_fraction * len(stems))
    if not 0 < n_train < len(stems):
        raise ValueError(
            f"cannot cut {len(stems)} stem(s) with train_fraction={train_fraction}: "
            "one of the two lists would be empty"
        )
    ranked = sorted(stems, key=lambda stem: hashlib.sha256(f"{seed}:{stem}".encode()).digest())
    return sorted(ranked[:n_train]), sorted(ranked[n_train:])


def bundled_splits() -> list[str]:
    """Names of the split lists shipped with gglnet, e.g. ``"nudt-sirst_70_30/test"``."""
    return sorted(
        path.relative_to(SPLITS_DIR).with_suffix("").as_posix()
        for path in SPLITS_DIR.glob("*/*.txt")
    )


def resolve_split(root: str | Path, split: str | Path) -> Path:
    """Find the file of a split given by name or path (search order in the module docstring).

    Args:
        root: the dataset folder.
        split: a name (``"idx_320/test"``, ``"test"``, ``"nudt-sirst_70_30/trainval"``) or a
            path to a text file.

    Returns:
        The split file.

    Raises:
        FileNotFoundError: nothing matches; the message lists the splits that exist.
        ValueError: a bare name matches several files, or names a folder of splits.
    """
    root = Path(root)
    name = str(split)
    candidates = [
        root / name,
        root / f"{name}.txt",
        SPLITS_DIR / f"{name}.txt",
        Path(name),
    ]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    if "/" not in name and "\\" not in name:
        matches = sorted(root.glob(f"*/{name}.txt"))
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            found = ", ".join(p.relative_to(root).with_suffix("").as_posix() for p in matches)
            raise ValueError(f"split {name!r} is ambiguous under {root}: {found}; name one")
    for folder in (root / name, SPLITS_DIR / name):
        if folder.is_dir() and any(folder.glob("*.txt")):
            parts = ", ".join(f"{name}/{p.stem}" for p in sorted(folder.glob("*.txt")))
            raise ValueError(f"{folder} is a folder of splits; choose one of: {parts}")
    available = _available_splits(root) + bundled_splits()
    raise FileNotFoundError(
        f"split {name!r} not found under {root}, among gglnet's own lists, or as a file; "
        f"available: {', '.join(available) or 'none'}"
    )


def split_pair(root: str | Path, split: str | Path) -> tuple[str, str | None]:
    """The training and test split named by a folder of splits, or ``(split, None)``.

    A folder such as SIRST's ``idx_320`` (or gglnet's ``nudt-sirst_70_30``) holding
    ``trainval.txt`` (or else ``train.txt``) and ``test.txt`` names both splits at once.

    Args:
        root: the dataset folder.
        split: a folder of splits, or any split :func:`resolve_split` accepts.

    Returns:
        ``(train_split, test_split)``: names :func:`resolve_split` finds; ``test_split`` is
        ``None`` when ``split`` names a single list or the folder has no ``test.txt``.

    Raises:
        FileNotFoundError: the folder has neither ``trainval.txt`` nor ``train.txt``.
    """
    name = str(split)
    for folder in (Path(root) / name, SPLITS_DIR / name, Path(name)):
        if folder.is_dir():
            parts = [p for p in ("trainval", "train") if (folder / f"{p}.txt").is_file()]
            if not parts:
                raise FileNotFoundError(
                    f"split folder {folder} has neither trainval.txt nor train.txt"
                )
            test = f"{name}/test" if (folder / "test.txt").is_file() else None
            return f"{name}/{parts[0]}", test
    return name, None


def _available_splits(root: Path) -> list[str]:
    files: Sequence[Path] = sorted([*root.glob("*.txt"), *root.glob("*/*.txt")])
    return [p.relative_to(root).with_suffix("").as_posix() for p in files]
