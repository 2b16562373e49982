"""The three output forms of a county report (folder page, standalone file, A4 PDF), in a real browser."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from creditlab.core.paths import report_folder
from creditlab.runs import export
from creditlab.views.banner import banner_html
from creditlab.views.htmlpage import page, table
from helpers import DemoBatch, chromium_dom, chromium_exe, demo_batch, drawn_charts


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> DemoBatch:
    return demo_batch(tmp_path_factory)


@pytest.fixture()
def one_report(shared: DemoBatch, tmp_path: Path) -> tuple[Path, str]:
    """A copy of one generated report with its plotly.min.js (the shared batch stays as it is)."""
    year_dir = tmp_path / "2024"
    year_dir.mkdir()
    code = shared.certified
    for name in (f"{code}.html", f"{code}.json", "plotly.min.js"):
        shutil.copy(shared.year_dir / name, year_dir / name)
    return year_dir, code


def test_standalone_report_draws_when_mailed_alone(one_report: tuple[Path, str], tmp_path: Path) -> None:
    year_dir, code = one_report
    (path,) = export.export_reports(year_dir, [code], "standalone")
    assert path == year_dir / f"{code}.standalone.html"
    assert (year_dir / f"{code}.html").read_text(encoding="utf-8").count("<script src=") == 1  # the page unchanged
    text = path.read_text(encoding="utf-8")
    assert "<script src=" not in text and text.count("Plotly.newPlot") >= 1
    mailed = tmp_path / "mailed"
    mailed.mkdir()
    shutil.copy(path, mailed)
    charts, drawn = drawn_charts(chromium_dom(mailed / path.name, tmp_path / "p"))
    assert charts >= 2 and drawn == charts
    folder_charts = drawn_charts(chromium_dom(year_dir / f"{code}.html", tmp_path / "q"))
    assert folder_charts == (charts, charts)


def test_pdf_report_is_a4_with_the_banner_on_every_page(one_report: tuple[Path, str]) -> None:
    year_dir, code = one_report
    (pdf,) = export.export_reports(year_dir, [code], "pdf")
    assert pdf == year_dir / f"{code}.pdf"
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert data.startswith(b"%PDF") and pages >= 2
    assert re.search(rb"/MediaBox\s*\[0 0 59[45]\.\d+ 84[12]\.\d+\]", data)  # A4, not US Letter
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert text.count("模拟数据") >= pages
        assert "年度社会信用体系建设评估报告" in text
    assert sorted(p.name for p in year_dir.iterdir()) == sorted([f"{code}.html", f"{code}.json", f"{code}.pdf",
                                                                  "plotly.min.js"])  # nothing else left


def test_pdf_keeps_every_column_of_a_table_wider_than_the_page(tmp_path: Path) -> None:
    """A notebook table (inline styles, in nbconvert's scrolling output box) wider than A4 is printed whole:
    paper does not scroll, so a clipped column would be lost without a word (the plan-progress table's last three)."""
    chromium_exe()
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    cols = ["序号", "指标", "属性", "基期值", "最新值", "目标值", "进度", "实际/所需增速", "比率", "与直线路径之差",
            "预计达标年份", "说明"]
    row = ["11", "被列入失信联合惩戒对象名单企业占比（%）", "约束性", "1,594（2020）", "1,094（2024）", "2,000（2025）",
           "↘ 进展不足", "-4.3%/年 / -17.4%/年", "25%", "+0.43（落后）", "2042（2040–2044）",
           "基期年份观测值与规划基期值不同，采用规划基期值；末列说明文字"]
    body = ('<div class="output_subarea output_html">'
            + table(cols, [row] * 3, numeric={0, 3, 4, 5, 8}, nowrap={2}, inline=True) + "</div>")
    pdf = export.write_page(page("宽表", body), tmp_path / "wide", "pdf")
    # -raw: the text in drawing order, so a header wrapped inside its cell stays in one piece
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                                              check=True).stdout)
    assert [c for c in cols if c not in text] == []
    assert text.count("末列说明文字") == 3


def test_print_styles_and_forms() -> None:
    html = page("t", banner_html("zh") + "<h1>x</h1><details><summary>s</summary><table></table></details>")
    assert "@page { size: A4" in html and ".modebar" in html and "break-after: avoid" in html
    assert "@top-center { content: \"模拟数据" in html  # the banner on every printed page
    assert "beforeprint" in html and "details::details-content" in html
    assert "<details open>" in export.open_details(html) and "<details open open" not in export.open_details(
        export.open_details(html))
    alone = export.standalone(html)
    assert alone.count("<script src=") == 0 and len(alone) > 1_000_000
    with pytest.raises(export.ExportError):
        export.standalone(alone)
    assert "@top-center" not in page("t", "<h1>real data</h1>")  # no banner, nothing repeated


def test_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "x.html"
    f.write_text("")
    with pytest.raises(export.ExportError, match="不是文件夹"):
        export.check_folder(f / "sub")


def test_reports_command_by_name_writes_the_standalone_form_beside_the_page(shared: DemoBatch, tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture) -> None:
    from creditlab.cli import main
    from creditlab.loaders.zones import assessment_units
    from helpers import DEMO_FILES

    reports = tmp_path / "reports"
    shutil.copytree(shared.reports, reports)
    code = shared.certified
    units = assessment_units()
    name = str(units.loc[units["code"] == code, "name"].iloc[0])
    args = ["reports", "--year", "2024", "--region", name, "--data", str(shared.data / DEMO_FILES[0]),
            "--context", str(shared.data / DEMO_FILES[1]), "--context", str(shared.data / DEMO_FILES[2]),
            "--out", str(reports), "--jobs", "0", "--standalone"]
    assert main(args) == 0
    out = capsys.readouterr().out
    folder = report_folder(reports, "shaanxi-2020", 2024, "zh")
    page = folder / f"{code}.standalone.html"
    assert str(page) in out and page.is_file() and "<script src=" not in page.read_text(encoding="utf-8")
    assert sorted(p.name for p in folder.glob(f"{code}.*")) == [f"{code}.html", f"{code}.json",
                                                                          f"{code}.standalone.html"]
