"""Fixtures of the loaders' tests: a small rubric with one criterion per rule type."""
from __future__ import annotations

from pathlib import Path

import pytest

from creditlab.rubric import load_rubric

# A small rubric with one criterion per rule type, two with development-zone variants.
MINI_YAML = """\
id: mini-2020
title_zh: 测试标准
title_en: Test rubric
version: "1"
years: [2020, 2024]
max_points: 10
method: absolute
source: {file: none.txt, document: test}
levels:
  - id: A
    name_zh: 基础工作
    name_en: Groundwork
    points: 10
    children:
      - id: A1
        name_zh: 工作机制
        name_en: Mechanisms
        points: 10
        children:
          - id: A1.1
            name_zh: 组织
            name_en: Organisation
            criteria:
              - {id: M1, text_zh: 成立领导小组（1分）, text_en: leading group, points: 1, mandatory: true,
                 note_zh: 必备条件, rule: {type: binary}}
              - {id: M2, text_zh: 比率达到50%（1分）, text_en: rate 50 %, points: 1,
                 rule: {type: threshold, at_least: 50, unit: percent}}
              - {id: M3, text_zh: 5个以上部门（1分）, text_en: five departments, points: 1,
                 rule: {type: threshold, at_least: 5, unit: count},
                 park: {rule: {type: discretionary, max: 1}, note_zh: 开发区酌情计分}}
              - {id: M4, text_zh: 每个部门0.5分（最高2分）, text_en: 0.5 per department, points: 2,
                 rule: {type: per_unit, per_unit: 0.5, cap: 2, unit_zh: 部门, unit_en: department},
                 park: {rule: {type: discretionary, max: 2}, note_zh: 开发区酌情计分}}
              - {id: M5, text_zh: 酌情计分（最高2分）, text_en: discretionary, points: 2,
                 rule: {type: discretionary, max: 2}}
              - {id: M6, text_zh: 综合评判（3分）, text_en: graded, points: 3, rule: {type: graded, max: 3}}
"""


@pytest.fixture
def mini(tmp_path: Path):
    path = tmp_path / "rubrics" / "mini-2020.yaml"
    path.parent.mkdir()
    path.write_text(MINI_YAML, encoding="utf-8")
    return load_rubric(path)
