"""Write files so that a reader never sees half a file and a failure never destroys the old one."""
from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import CreditlabError
from .problems import default_lang


class OutputError(CreditlabError):
    """An output path creditlab cannot or must not write (a folder, a wrong extension, no such folder)."""


# The one file-permission policy: every file creditlab writes is rw-r--r-- (reports and data are shared
# read-only). A fixed mode, since reading the umask means changing it, which is not thread-safe.
FILE_MODE = 0o644


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it over ``target``.

    On an exception the temporary file is removed and ``target`` is left as it was.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:  # name the file the user asked for, not the hidden temporary one
        exc.filename = str(target)
        raise
    os.close(fd)
    os.chmod(tmp, FILE_MODE)  # mkstemp makes 0600
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except OSError as exc:  # a full disk while writing: the message names the output, not .x.csv.abc.tmp
        if exc.filename in (tmp, str(tmp_path)):
            exc.filename = str(target)
        raise
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(target: str | Path, text: str) -> Path:
    """Atomically write UTF-8 text."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def write_bytes(target: str | Path, data: bytes) -> Path:
    """Atomically write bytes."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def check_out(path: str | Path, suffixes: tuple[str, ...], *, lang: str | None = None,
              create_parents: bool = False) -> Path:
    """``path`` if creditlab can write an output there, else :class:`OutputError` naming the reason.

    Checked before any work is done: the extension (one of ``suffixes``, e.g. ``(".csv", ".xlsx")``),
    not an existing folder, a parent that is a folder (not a file) and writable, and, unless
    ``create_parents``, a parent that exists (a mistyped folder should not silently grow a new tree).
    """
    lang = lang or default_lang()
    zh = lang == "zh"
    path = Path(path)
    want = " / ".join(suffixes)
    if path.is_dir():
        raise OutputError(f"输出路径 {path} 是一个文件夹，请给出文件名（如 {path / ('data' + suffixes[0])}）" if zh
                          else f"output path {path} is a folder; give a file name "
                               f"(e.g. {path / ('data' + suffixes[0])})")
    if path.suffix.lower() not in suffixes:
        raise OutputError(f"输出文件 {path} 的扩展名应为 {want}" if zh
                          else f"output file {path}: the extension must be {want}")
    parent = path.parent
    existing = next((p for p in (parent, *parent.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise OutputError(f"无法写入 {path}：{existing} 是文件，不是文件夹" if zh
                          else f"cannot write {path}: {existing} is a file, not a folder")
    if not parent.is_dir() and not create_parents:
        raise OutputError(f"无法写入 {path}：文件夹 {parent} 不存在" if zh
                          else f"cannot write {path}: the folder {parent} does not exist")
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"无法写入 {path}：没有写入文件夹 {existing} 的权限" if zh
                          else f"cannot write {path}: no permission to write in the folder {existing}")
    return path
