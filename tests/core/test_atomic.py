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


def test_check_out(tmp_path):
    from creditlab.atomic import OutputError, check_out

    assert check_out(tmp_path / "a" / "b.csv", (".csv",), create_parents=True) == tmp_path / "a" / "b.csv"
    for bad in (tmp_path, tmp_path / "x.txt", tmp_path / "a" / "b.csv"):
        with pytest.raises(OutputError):
            check_out(bad, (".csv",), lang="en")
    assert not (tmp_path / "a").exists()  # checking creates nothing
