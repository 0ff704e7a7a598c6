"""gglnet.training.log: the per-epoch JSON-lines log."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from gglnet.training.log import append_record, read_records, truncate_records


def test_append_read_truncate(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    assert read_records(path) == []
    for epoch in (1, 2, 3):
        append_record(path, {"epoch": epoch, "loss": 1 / epoch, "val_pd": math.nan})
    records = read_records(path)
    assert [r["epoch"] for r in records] == [1, 2, 3] and records[0]["val_pd"] is None
    assert truncate_records(path, 2) == records[:2]
    assert read_records(path) == records[:2]
    assert len(path.read_text().splitlines()) == 2


def test_bad_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text('{"epoch": 1}\n{"epoch": 2\n')
    with pytest.raises(ValueError, match=r"log\.jsonl, line 2: not JSON"):
        read_records(path)
