"""The per-epoch JSON-lines log of a run (``log.jsonl``): one object per completed epoch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gglnet.training.checkpoint import json_safe

__all__ = ["append_record", "read_records", "truncate_records"]


def append_record(path: str | Path, record: dict[str, Any]) -> None:
    """Append one epoch's record as a line of JSON (NaN written as ``null``).

    Args:
        path: the log file (created if missing).
        record: JSON-ready values; must hold ``"epoch"``.
    """
    with Path(path).open("a", encoding="utf-8") as file:
        file.write(json.dumps(json_safe(record)) + "\n")


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """All records of a log, in order; an absent log has none.

    Raises:
        ValueError: a line is not JSON (the message names the file and line).
    """
    path = Path(path)
    if not path.is_file():
        return []
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}, line {number}: not JSON ({error})") from error
    return records


def truncate_records(path: str | Path, last_epoch: int) -> list[dict[str, Any]]:
    """Drop records after ``last_epoch`` (written after the checkpoint a run resumes from).

    Returns:
        The records kept.
    """
    kept = [record for record in read_records(path) if record["epoch"] <= last_epoch]
    path = Path(path)
    if path.is_file():
        path.write_text("".join(json.dumps(record) + "\n" for record in kept), encoding="utf-8")
    return kept
