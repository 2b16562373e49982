"""Language choice and number formatting."""
from __future__ import annotations

import math

import pytest

from creditlab.i18n import check_lang, fmt_num, tr


def test_tr_and_check():
    assert tr("总分", "total", "zh") == "总分" and tr("总分", "total", "en") == "total"
    with pytest.raises(ValueError, match="language must be one of zh, en"):
        check_lang("fr")


def test_fmt_num():
    assert fmt_num(1234.567) == "1,234.6"
    assert fmt_num(85, 0) == "85"
    assert fmt_num(None) == "—" and fmt_num(math.nan) == "—"
