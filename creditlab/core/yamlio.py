"""Safe, bounded YAML loading for rubric, plan and scenario files.

Every file a person edits by hand goes through :func:`load_yaml`, which refuses what ``yaml.safe_load``
would silently accept or choke on, each with a named error (the loader's error class) that names the
file, the line and the problem, in Chinese by default (English on request):

* a key given twice in one mapping (``mandatory: true`` then ``mandatory: false``: the second silently
  won and a 必备条件 disappeared) — every duplicate at once, with both lines;
* anchors and aliases (``&a`` / ``*a``): no bundled file needs them, and they make a 1 KB "billion
  laughs" file expand to gigabytes;
* nesting deeper than :data:`MAX_DEPTH`, more than :data:`MAX_NODES` values, or a file larger than
  :data:`MAX_BYTES` — so hostile input fails within a second, never with a RecursionError or MemoryError;
* values YAML itself cannot build (a date such as ``2023-02-30``, an integer of 5,000 digits), control
  characters, text that is not UTF-8, and tags other than YAML's own (``!!python/...``).

Messages quote at most :data:`~creditlab.problems.MAX_TEXT` characters of any value.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, ScalarNode

from .errors import CreditlabError, RubricError
from .problems import MAX_TEXT, Problems, quote

MAX_BYTES = 2 * 1024 * 1024   # 40 times the largest bundled file (shaanxi-2020.yaml, 55 KB)
MAX_DEPTH = 100               # the bundled files nest at most 12 levels
MAX_NODES = 20_000            # the bundled files hold at most about 2,100 values
_MERGE = "tag:yaml.org,2002:merge"


class YamlLimitError(yaml.YAMLError):
    """A file breaks one of the loader's bounds (an alias, the depth, the number of values); both texts."""

    def __init__(self, zh: str, en: str, mark: Any = None):
        super().__init__(en)
        self.zh, self.en, self.problem_mark = zh, en, mark


class _BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` without aliases, with a depth and a size budget, recording duplicate keys."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0
        self.duplicates: list[tuple[str, int, int]] = []   # (key, first line, second line), 1-based

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise YamlLimitError(
                f"不允许使用 YAML 锚点和别名（*{quote(event.anchor, 40)[1:-1]}）：请直接写出内容",
                f"YAML anchors and aliases (*{quote(event.anchor, 40)[1:-1]}) are not allowed: write the values out",
                event.start_mark)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise YamlLimitError(f"文件包含的值超过 {MAX_NODES} 个，不像是评估标准、规划或情景文件",
                                 f"the file holds more than {MAX_NODES} values: not a rubric, plan or scenario "
                                 "file", self.peek_event().start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlLimitError(f"嵌套超过 {MAX_DEPTH} 层", f"nested more than {MAX_DEPTH} levels deep",
                                     self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        # Python itself refuses some values YAML accepts (2023-02-30, a 5,000-digit integer): name them.
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:
            raise ConstructorError(None, None, f"cannot read the value {quote(_node_text(node))}: "
                                               f"{str(exc)[:MAX_TEXT]}", node.start_mark) from None

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE or not isinstance(key_node, ScalarNode):
                    continue
                key, line = self.construct_object(key_node), key_node.start_mark.line + 1
                try:
                    if key in seen:
                        self.duplicates.append((str(key), seen[key], line))
                    else:
                        seen[key] = line
                except TypeError:  # unhashable: SafeConstructor names it
                    continue
        return super().construct_mapping(node, deep=deep)


def show(value: Any) -> str:
    """A value for a message: scalars quoted and cut (problems.quote); a list or mapping by its size only,
    so a hostile file never makes a message (or its repr) large."""
    if isinstance(value, list | dict | set | tuple):
        kind = "mapping" if isinstance(value, dict) else "list"
        return f"<{kind} of {len(value)}>"
    return quote(value)


def add_item(pb: Problems, file: str | Path, item: str | tuple[str, str], zh: str, en: str) -> None:
    """Add a problem about one item of a YAML file: ``item`` is a path such as ``targets[3]`` (both
    languages) or a ``(zh, en)`` pair such as ``("评分项 A2.3a", "criterion A2.3a")``."""
    item_zh, item_en = (item, item) if isinstance(item, str) else item
    pb.add(f"{item_zh}：{zh}", f"{item_en}: {en}", file=str(file))


YAML_SUFFIXES = (".yaml", ".yml")


def safe_name(name: str) -> bool:
    """Whether ``name`` may name a bundled file: letters, digits, ``-``, ``_``, ``.``, not starting with ``.``
    (so never a path, ``..`` or a hidden file)."""
    return bool(name) and all(c.isalnum() or c in "-_." for c in name) and not name.startswith(".")


def named_yaml(name_or_path: str | Path, folder: Path, pb: Problems, kind: tuple[str, str],
               unknown: Callable[[str], tuple[str, str]]) -> Path:
    """The YAML file meant by a bundled name (``"shaanxi-2020"`` -> ``folder/shaanxi-2020.yaml``) or a path
    (ending ``.yaml``/``.yml``, returned as given: reading it reports a missing file).

    The one name-or-path rule of rubrics, plans and whatever else is bundled by name: a name that is not
    :func:`safe_name` or names no file in ``folder`` is added to ``pb`` and raised at once: "is not a
    ``kind`` name" (``kind``: the zh and en noun) or ``unknown(name)``, the kind's own zh/en wording (which
    may list the known names).
    """
    path = Path(name_or_path)
    if path.suffix in YAML_SUFFIXES:
        return path
    name = str(name_or_path)
    if not safe_name(name):
        q = quote(name)
        pb.add(f"{q} 不是{kind[0]}名称（not a {kind[1]} name）", f"{q}: not a {kind[1]} name")
        pb.raise_if_any()
    path = folder / f"{name}.yaml"
    if not path.exists():
        pb.add(*unknown(name), file=str(path))
        pb.raise_if_any()
    return path


def _node_text(node: Any) -> str:
    return node.value if isinstance(node, ScalarNode) else node.tag


def load_yaml(path: Path, error: type[CreditlabError] = RubricError, lang: str | None = None,
              what: str | None = None, problems: Problems | None = None) -> Any:
    """Parse ``path`` safely within the bounds above; raise ``error`` naming the file and line on failure.

    ``what`` names the file's kind for the message head (``"rubric"``); ``lang`` ``"zh"`` (default, or
    ``$CREDITLAB_LANG``) or ``"en"``. With ``problems`` (the loader's own collector), duplicate keys are
    added to it and the document is returned (the later value in place), so that the loader reports
    them together with every other problem of the file; a file that cannot be parsed still raises here.
    """
    path = Path(path)
    pb = Problems(what or path.name, error=error, **({"lang": lang} if lang else {}))
    file = str(path)

    def fail(zh: str, en: str) -> None:
        pb.add(zh, en, file=file)
        pb.raise_if_any()

    if not path.exists():
        fail("文件不存在", "file not found")
    if not path.is_file():
        fail("不是普通文件（可能是文件夹）", "not a regular file (a folder?)")
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        fail(f"无法读取：{exc.strerror or exc}", f"cannot be read: {exc.strerror or exc}")
    if len(raw) > MAX_BYTES:
        fail(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB，不像是评估标准、规划或情景文件",
             f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB: not a rubric, plan or scenario file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"不是 UTF-8 编码的文本（第 {exc.start + 1} 个字节）",
             f"not UTF-8 text (byte {exc.start + 1})")
    bad = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if bad:  # YAML allows no control characters (a NUL from a binary file, say)
        line, char = text.count("\n", 0, bad.start()) + 1, ord(bad.group()[0])
        fail(f"第{line}行：含有 YAML 不允许的控制字符 U+{char:04X}",
             f"line {line}: a control character YAML does not allow (U+{char:04X})")
    loader = _BoundedLoader(text)
    try:
        doc = loader.get_single_data()
    except YamlLimitError as exc:
        fail(_at(exc.problem_mark, "zh") + exc.zh, _at(exc.problem_mark, "en") + exc.en)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = str(getattr(exc, "problem", None) or exc)[:MAX_TEXT]
        fail(f"{_at(mark, 'zh')}YAML 格式错误（invalid YAML）：{problem}",
             f"{_at(mark, 'en')}invalid YAML: {problem}")
    finally:
        loader.dispose()
    dup = problems if problems is not None else pb
    for key, first, second in loader.duplicates:
        dup.add(f"第{second}行：键 {quote(key)} 重复（第{first}行已有），后者会静默覆盖前者",
               f"line {second}: duplicate key {quote(key)} (already on line {first}); the second would silently "
               "replace the first", file=file)
    pb.raise_if_any()
    return doc


def _at(mark: Any, lang: str) -> str:
    if mark is None:
        return ""
    if lang == "zh":
        return f"第{mark.line + 1}行第{mark.column + 1}列："
    return f"line {mark.line + 1}, column {mark.column + 1}: "
