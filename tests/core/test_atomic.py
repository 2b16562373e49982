"""Atomic writes never leave half files and keep the old file on failure."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from creditlab.atomic import FILE_MODE, atomic_path, write_text
from creditlab.data import write_template


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


def test_one_permission_policy_whatever_the_umask(tmp_path):
    """Every file creditlab writes is rw-r--r--: a strict umask does not make a report unreadable to others."""
    old = os.umask(0o077)
    try:
        text = write_text(tmp_path / "a.txt", "x")
        book = write_template("shaanxi-2020", ["610102"], 2024, tmp_path / "t.xlsx")
    finally:
        os.umask(old)
    assert FILE_MODE == 0o644
    assert stat.S_IMODE(text.stat().st_mode) == stat.S_IMODE(Path(book).stat().st_mode) == 0o644


def test_a_write_that_fails_names_the_output_not_the_temporary_file(tmp_path, capsys):
    from creditlab.cli import main

    with pytest.raises(OSError) as info:  # /proc takes no new files, even for root (os.access says yes)
        write_text("/proc/creditlab-out.txt", "x")
    assert info.value.filename == "/proc/creditlab-out.txt"
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.csv").write_text("region,year,criterion,value\n610303,2024,A1.1a,是\n", encoding="utf-8")
    assert main(["ingest", str(folder), "--out", "/proc/creditlab-out.csv"]) == 2
    err = capsys.readouterr().err
    assert "/proc/creditlab-out.csv" in err and ".tmp" not in err and "Traceback" not in err
