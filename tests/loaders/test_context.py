"""The certification context (creditlab.loaders.context): loading, the national NPL merge, validation."""
from __future__ import annotations

import pandas as pd
import pytest

from creditlab import data
from helpers import ROOT, one, problems_of, write_csv

DEMO = ROOT / "data" / "demo"
CONTEXT_HEADER = ("region,year,major_incident,debtor_share_legal,debtor_share_natural,government_debtors,"
                  "rectification_rate,government_rectification_rate,npl_ratio")


@pytest.fixture(autouse=True)
def _shipped_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDITLAB_DATA", raising=False)
    # These tests read the English messages; the Chinese default is tested in test_indicators.py.
    monkeypatch.setenv("CREDITLAB_LANG", "en")


def test_context_loads_and_merges_national_npl(tmp_path):
    ctx = write_csv(tmp_path, "ctx.csv", "610102,2024,否,0.3,0.5,0,85,95,1.2",
                    "610103,2024,是,,0.4,1,,92.5,2.1", header=CONTEXT_HEADER)
    nat = write_csv(tmp_path, "nat.csv", "2024,1.50", header="year,national_npl_ratio")
    out = data.load_context([ctx, nat])
    assert list(out.columns[:2]) == ["region", "year"] and set(data.CONTEXT_FIELDS) <= set(out.columns)
    assert out["major_incident"].tolist() == [False, True] and out["major_incident"].dtype == "boolean"
    assert out["national_npl_ratio"].tolist() == [1.5, 1.5]
    assert pd.isna(out.loc[1, "debtor_share_legal"]) and pd.isna(out.loc[1, "rectification_rate"])
    assert out["statistical_fraud"].isna().all()  # Henan fields absent: unknown, not False


def test_context_validation(tmp_path):
    ctx = write_csv(tmp_path, "ctx.csv", "610102,2024,maybe,0.3,-1,0.5,120,95,1.2",
                    "619999,2024,否,0.3,0.5,0,85,95,1.2", "610102,2024,否,0.3,0.5,0,85,95,1.2",
                    "610103,2024,否,0.3,0.5,0,85,95,1.2,1.7", header=CONTEXT_HEADER + ",national_npl_ratio")
    nat = write_csv(tmp_path, "nat.csv", "2024,1.50", header="year,national_npl_ratio")
    typo = write_csv(tmp_path, "typo.csv", "610102,2023,1.5", header="region,year,npl_ration")
    problems = problems_of(data.load_context, [ctx, nat, typo])
    assert "column C (major_incident)" in one(problems, "row 2", "'maybe'")
    assert "column E (debtor_share_natural)" in one(problems, "row 2", "'-1'")
    assert "column F (government_debtors)" in one(problems, "row 2", "'0.5'")
    assert "column G (rectification_rate)" in one(problems, "row 2", "'120'")
    assert "unknown region" in one(problems, "row 3")
    assert "rows 2, 4" in one(problems, "duplicate")
    assert "differs from the national file" in one(problems, "row 5")
    assert str(typo) in one(problems, "npl_ration")
