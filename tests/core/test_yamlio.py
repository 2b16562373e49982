"""The YAML loader: duplicate keys, aliases, nesting, size and unreadable values are named errors."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from creditlab.errors import RubricError
from creditlab.problems import Problems
from creditlab.weights import ScenarioError
from creditlab.yamlio import MAX_BYTES, MAX_DEPTH, MAX_NODES, load_yaml, named_yaml, safe_name
from helpers import BOMB


# about 400 bytes: nine levels of nine aliases each, 9**9 (387 million) strings once expanded
def _load(tmp_path, text: str | bytes, name: str = "r.yaml", **kw):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(RubricError) as info:
        load_yaml(path, lang="en", **kw)
    return str(info.value)


def test_bundled_style_loads(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("id: x\nyears: [2020, null]\nlevels:\n  - {id: A, points: 1.5, date: 2023-12-31}\n",
                    encoding="utf-8")
    doc = load_yaml(path)
    assert doc["years"] == [2020, None] and doc["levels"][0]["points"] == 1.5


def test_duplicate_keys_all_named_with_both_lines(tmp_path):
    text = "id: x\nrows:\n  - id: r1\n    mandatory: true\n    mandatory: false\n  - {id: r2, id: r3}\nid: y\n"
    msg = _load(tmp_path, text)
    assert "3 problem(s) in r.yaml" in msg
    assert "r.yaml: line 5: duplicate key 'mandatory' (already on line 4)" in msg
    assert "line 6: duplicate key 'id' (already on line 6)" in msg
    assert "line 7: duplicate key 'id' (already on line 1)" in msg


def test_duplicate_key_in_chinese_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("CREDITLAB_LANG", raising=False)
    path = tmp_path / "r.yaml"
    path.write_text("a: 1\na: 2\n", encoding="utf-8")
    with pytest.raises(RubricError, match="r.yaml：第2行：键 'a' 重复（第1行已有）"):
        load_yaml(path)


def test_alias_bomb_is_refused(tmp_path):
    assert len(BOMB) < 1024
    msg = _load(tmp_path, BOMB)
    assert "line 2, column 8: YAML anchors and aliases (*a) are not allowed" in msg and len(msg) < 400


@pytest.mark.parametrize("text", [
    "id: " + "[" * 20_000 + "]" * 20_000 + "\n",
    "{a: " * 20_000 + "1" + "}" * 20_000 + "\n",
    "".join("  " * i + "a:\n" for i in range(300)) + "  " * 300 + "b: 1\n",
    "".join("  " * i + "-\n" for i in range(300)) + "  " * 300 + "1\n",
])
def test_deep_nesting_is_refused(tmp_path, text):
    assert f"nested more than {MAX_DEPTH} levels deep" in _load(tmp_path, text)


def test_too_many_values_and_too_large_a_file(tmp_path):
    assert f"more than {MAX_NODES} values" in _load(tmp_path, "[" + ",".join(["1"] * (MAX_NODES + 1)) + "]")
    msg = _load(tmp_path, "id: " + "x" * MAX_BYTES + "\n")
    assert "larger than 2 MB" in msg and len(msg) < 300


def test_unbuildable_values_and_unreadable_files(tmp_path):
    assert "line 1, column 7: invalid YAML: cannot read the value '2023-02-30': day is out of range" in _load(
        tmp_path, "date: 2023-02-30\n")
    msg = _load(tmp_path, "points: " + "9" * 6000 + "\n")
    assert "cannot read the value '999" in msg and len(msg) < 500
    assert "not UTF-8 text (byte 5)" in _load(tmp_path, b"id: \xff\xfe\n")
    assert "line 2: a control character YAML does not allow (U+0000)" in _load(tmp_path, "a: 1\nb: \x00\n")
    assert "could not determine a constructor" in _load(tmp_path, "id: !!python/object/apply:os.system [ls]\n")
    (tmp_path / "folder.yaml").mkdir()
    with pytest.raises(RubricError, match="not a regular file"):
        load_yaml(tmp_path / "folder.yaml", lang="en")
    with pytest.raises(RubricError, match="file not found"):
        load_yaml(tmp_path / "missing.yaml", lang="en")


def test_error_class_is_the_callers(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("a: 1\na: 2\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="duplicate key 'a'"):
        load_yaml(path, ScenarioError, lang="en")


@pytest.mark.parametrize("text", [BOMB, "{a: " * 20_000 + "1" + "}" * 20_000 + "\n"])
def test_hostile_files_fail_fast_in_a_fresh_process(tmp_path, text):
    """A bomb or 20,000 levels: a named error, no RecursionError or MemoryError, well within the timeout."""
    path = tmp_path / "shaanxi-2020.yaml"
    path.write_text(text, encoding="utf-8")
    code = ("import sys, creditlab\ntry:\n    creditlab.load_rubric(sys.argv[1], lang='en')\n"
            "except creditlab.RubricError as e:\n    print(type(e).__name__, e)\n")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("RubricError 1 problem(s) in rubric shaanxi-2020.yaml") and not out.stderr


def test_one_name_or_path_rule(tmp_path):
    (tmp_path / "demo-1.yaml").write_text("a: 1\n", encoding="utf-8")

    def resolve(name):
        pb = Problems("thing", error=RubricError, lang="en")
        return named_yaml(name, tmp_path, pb, ("东西", "thing"), lambda n: (f"没有 {n}", f"no thing {n!r}"))

    assert resolve("demo-1") == tmp_path / "demo-1.yaml"
    assert resolve("elsewhere/x.yml") == Path("elsewhere/x.yml")  # a path is taken as given
    for bad in ("../demo-1", "", ".demo-1", "demo 1", "a/b"):
        assert not safe_name(bad)
        with pytest.raises(RubricError, match="not a thing name"):
            resolve(bad)
    with pytest.raises(RubricError, match="no thing 'demo-2'") as exc:
        resolve("demo-2")
    assert str(tmp_path / "demo-2.yaml") in str(exc.value)  # names the file it looked for
