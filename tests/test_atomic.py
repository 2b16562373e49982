"""Atomic writes never leave half files and keep the old file on failure."""
from __future__ import annotations

import pytest

from creditlab.atomic import atomic_path, write_text


def test_write_and_replace(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "one")
    write_text(target, "two")
    assert target.read_text(encoding="utf-8") == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_failure_keeps_old_file_and_no_temp(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "good")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
