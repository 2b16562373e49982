"""Batch regeneration of the county reports: real papermill runs on the project's kernel.

The notebook runs are shared: :func:`demo_batch` generates three demo counties once per test session
(one certified, one failing a mandatory condition, one with data missing, chosen from the scores)
and the other tests — here, in test_report.py and test_browser.py — read or copy its outputs.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from creditlab import batch, report
from creditlab.cli import main as cli_main
from creditlab.core.errors import CreditlabError
from creditlab.core.paths import report_folder
from helpers import DEMO, DEMO_FILES, ROOT, YEAR, DemoBatch, demo_batch

NO_CDN = [
    re.compile(r"<script[^>]*\bsrc\s*=\s*[\"']?\s*(https?:)?//", re.I),
    re.compile(r"<link[^>]*\bhref\s*=\s*[\"']?\s*(https?:)?//", re.I),
    re.compile(r"cdn", re.I),
    re.compile(r"(require|mathjax)[^\"'<>]*\.js", re.I),
]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> DemoBatch:
    return demo_batch(tmp_path_factory)


def _results(b: DemoBatch, code: str) -> dict:
    return json.loads((b.year_dir / f"{code}.json").read_text(encoding="utf-8"))


def test_generates_reports_results_and_index(shared: DemoBatch) -> None:
    assert sorted(shared.generated) == sorted(shared.codes)
    for code in shared.codes:
        assert (shared.year_dir / f"{code}.html").is_file()
        assert (shared.year_dir / f"{code}.json").is_file()
    index = (shared.year_dir / "index.html").read_text(encoding="utf-8")
    for code in shared.codes:
        assert f'href="{code}.html"' in index
    assert "sortable" in index
    # One shared plotly.js for the folder, none inside the reports.
    assert (shared.year_dir / "plotly.min.js").stat().st_size > 1_000_000
    assert [p.name for p in shared.year_dir.rglob("*.js")] == ["plotly.min.js"]
    assert not (shared.year_dir / batch.FAILED_DIR).exists()  # no failure: no empty folder for error notebooks
    # Nothing half-written left behind.
    assert not list(shared.year_dir.rglob("*.tmp")) and not (shared.year_dir / batch.STAGING_DIR).exists()
    assert not list((shared.year_dir / batch.FAILED_DIR).glob("*"))


def test_results_files(shared: DemoBatch) -> None:
    ev = report.evaluate(report.resolve_inputs("shaanxi-2020", **shared.inputs()))
    verdicts = ev.verdicts[ev.verdicts["year"] == YEAR].set_index("region")
    for code in shared.codes:
        doc = _results(shared, code)
        assert doc["schema"] == report.RESULTS_SCHEMA and doc["region"] == code and doc["year"] == YEAR
        assert doc["verdict"] == verdicts.loc[code, "verdict"]
        assert doc["reasons"] == list(verdicts.loc[code, "reasons"]) and len(doc["reasons_en"]) == len(doc["reasons"])
        assert {lv["level"] for lv in doc["levels"]} == {"level1", "level2"}
        assert len([lv for lv in doc["levels"] if lv["level"] == "level2"]) == 12
        assert doc["rubric"]["name"] == "shaanxi-2020" and doc["rubric"]["version"] == "2020"
        assert doc["synthetic"] is True
        prov = doc["provenance"]
        assert {f["role"] for f in prov["files"]} >= {"rubric", "data", "context"}
        assert all(re.fullmatch(r"[0-9a-f]{64}", f["sha256"]) for f in prov["files"])
        assert re.fullmatch(r"[0-9a-f]{64}", prov["notebook"]["sha256"]) and prov["creditlab_version"]
        assert 1 <= doc["rank"]["rank"] <= doc["rank"]["peers"]
        assert doc["previous"]["year"] == YEAR - 1
    assert _results(shared, shared.certified)["verdict"] == "certified"
    failing = _results(shared, shared.failing)
    assert failing["verdict"] == "not_certified" and failing["unmet_mandatory"]
    assert any(m["met"] is False for m in failing["mandatory"])
    missing = _results(shared, shared.missing)
    assert missing["total"]["status"] == "incomplete" and missing["total"]["missing_max"] > 0
    not_assessed = [c for c in missing["criteria"] if c["status"] == "not_assessed"]
    assert not_assessed and all(c["points"] is None for c in not_assessed)  # never a silent zero


def test_html_has_no_code_no_cdn_and_the_banner(shared: DemoBatch) -> None:
    for path in shared.year_dir.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern in NO_CDN:
            assert not pattern.search(text), f"{path.name}: {pattern.pattern}"
        assert '<meta charset="utf-8">' in text
        assert "模拟数据" in text  # the synthetic-data banner
        assert text.index('<script src="plotly.min.js"') < text.index("</head>")
        assert path.stat().st_size < 300_000
    for code in shared.codes:
        text = (shared.year_dir / f"{code}.html").read_text(encoding="utf-8")
        assert text.index("creditlab-banner") < text.index("<h1>")
        for code_text in ("check_params", "_names_before", "import creditlab", "display(HTML", "In&nbsp;["):
            assert code_text not in text
        assert 'class="input' not in text and "highlight" not in text
        assert text.count('class="plotly-graph-div"') == 2
        assert "年度社会信用体系建设评估报告" in text and "SHA-256" in text
    missing = (shared.year_dir / f"{shared.missing}.html").read_text(encoding="utf-8")
    assert "未评估" in missing


def test_unchanged_inputs_are_skipped_and_force_regenerates(shared: DemoBatch, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    shutil.copytree(shared.reports, reports)
    year_dir = report_folder(reports, "shaanxi-2020", YEAR, "zh")
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in year_dir.glob("6*.html")}
    summary = batch.run_reports(YEAR, list(shared.codes), out=reports, jobs=2, progress=False, **shared.inputs())
    assert summary.skipped == list(shared.codes) and not summary.generated and summary.ok
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in year_dir.glob("6*.html")} == before
    # --force regenerates (in-process here: jobs=0), without touching the other reports.
    summary = batch.run_reports(YEAR, [shared.failing], out=reports, jobs=0, force=True, progress=False,
                                **shared.inputs())
    assert summary.generated == [shared.failing]
    assert (year_dir / f"{shared.certified}.html").read_bytes() == before[f"{shared.certified}.html"][1]


def test_digest_depends_on_every_input() -> None:
    base = batch.task_digest("k", "nb", {"region": "610103", "lang": "zh"})
    assert batch.task_digest("k", "nb", {"region": "610103", "lang": "zh"}) == base
    assert batch.task_digest("k2", "nb", {"region": "610103", "lang": "zh"}) != base
    assert batch.task_digest("k", "nb2", {"region": "610103", "lang": "zh"}) != base
    assert batch.task_digest("k", "nb", {"region": "610103", "lang": "en"}) != base


def test_a_failing_county_does_not_stop_the_batch(shared: DemoBatch, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    reports = tmp_path / "reports"
    shutil.copytree(shared.reports, reports)
    year_dir = report_folder(reports, "shaanxi-2020", YEAR, "zh")
    bad, good = shared.certified, shared.failing
    old_html = (year_dir / f"{bad}.html").read_bytes()
    old_json = (year_dir / f"{bad}.json").read_bytes()
    # New data in which one county has no values for the year: its notebook stops, the others go on.
    data = tmp_path / "data"
    shutil.copytree(shared.data, data)
    csv = data / DEMO_FILES[0]
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    frame[~((frame["region"] == bad) & (frame["year"] == str(YEAR)))].to_csv(csv, index=False)
    argv = ["reports", "--year", str(YEAR), "--region", bad, "--region", good, "--data", str(csv),
            "--context", str(data / DEMO_FILES[1]), "--context", str(data / DEMO_FILES[2]),
            "--out", str(reports), "--jobs", "2"]
    code = cli_main(argv)
    out = capsys.readouterr().out
    assert code == 1
    assert re.search(rf"失败 \S+（{bad}）：", out) and "年没有指标数据（未报送）" in out  # by name and code
    kept = year_dir / batch.FAILED_DIR / f"{bad}.ipynb"
    assert kept.is_file() and str(kept) in out
    nb = json.loads(kept.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == batch.KERNEL_NAME
    assert nb["metadata"]["papermill"]["exception"] is True
    # The previous good report of the failing county is still there, unchanged.
    assert (year_dir / f"{bad}.html").read_bytes() == old_html
    assert (year_dir / f"{bad}.json").read_bytes() == old_json
    # The other county was regenerated from the new inputs.
    doc = json.loads((year_dir / f"{good}.json").read_text(encoding="utf-8"))
    assert doc["provenance"]["digest"] != _results(shared, good)["provenance"]["digest"]
    manifest = json.loads((year_dir / batch.MANIFEST).read_text(encoding="utf-8"))["regions"]
    assert manifest[bad]["status"] == "failed" and manifest[good]["status"] == "generated"
    assert "年没有指标数据（未报送）" in (year_dir / "index.html").read_text(encoding="utf-8")
    # The workbook beside the page lists it too: every output says the same.
    failed_sheet = pd.read_excel(year_dir / batch.INDEX_XLSX, sheet_name="未能生成的报告", dtype=str)
    assert failed_sheet["代码"].tolist() == [bad] and failed_sheet["仍列出上一版报告"].tolist() == ["是"]
    assert not (year_dir / batch.STAGING_DIR).exists()


def test_bad_selection_is_refused_before_anything_runs(shared: DemoBatch, tmp_path: Path) -> None:
    for regions in (["../../etc"], ["61010x"], ["999999"]):
        with pytest.raises(batch.BatchError):
            batch.run_reports(YEAR, regions, out=tmp_path, jobs=0, progress=False, **shared.inputs())
    with pytest.raises(batch.BatchError, match="找不到城市 '不存在市' 的区县"):  # Chinese by default
        batch.run_reports(YEAR, city="不存在市", out=tmp_path, jobs=0, progress=False, **shared.inputs())
    with pytest.raises(batch.BatchError, match="no counties"):
        batch.run_reports(YEAR, city="不存在市", out=tmp_path, jobs=0, progress=False, lang="en", **shared.inputs())
    assert not list(tmp_path.rglob("*.html"))


def test_city_selection_and_missing_data(shared: DemoBatch) -> None:
    ev = report.evaluate(report.resolve_inputs("shaanxi-2020", **shared.inputs()))
    codes, no_data = batch.select_regions(ev, YEAR, city="铜川")
    assert codes and set(codes) <= set(ev.units.loc[ev.units["city"] == "铜川市", "code"]) and not no_data
    assert batch.select_regions(ev, YEAR, city="610200")[0] == codes
    everything, _ = batch.select_regions(ev, YEAR)
    assert len(everything) == len(ev.regions(YEAR))


def test_index_reads_only_checked_results(tmp_path: Path) -> None:
    year_dir = tmp_path / str(YEAR)
    year_dir.mkdir()
    doc = {"region": "610103", "name": "<b>碑林区</b>", "name_en": "", "city": "西安市", "year": YEAR,
           "total": {"points": 90.0, "max_points": 100.0, "missing_max": 0.0}, "verdict": "certified",
           "unmet_mandatory": [], "previous": None, "synthetic": False,
           "rubric": {"name": "shaanxi-2020", "version": "2020", "title_zh": "标准", "threshold": 85.0},
           "provenance": {"files": [], "creditlab_version": "0"}}
    (year_dir / "610103.json").write_text(json.dumps(doc, ensure_ascii=False))
    (year_dir / "610103.html").write_text("<html></html>")
    (year_dir / "evil.json").write_text(json.dumps({**doc, "region": "evil"}))
    (year_dir / "610104.json").write_text(json.dumps({**doc, "region": "610104"}))  # no HTML beside it
    index = batch.write_index(year_dir).read_text(encoding="utf-8")
    assert "&lt;b&gt;碑林区&lt;/b&gt;" in index and "<b>碑林区" not in index
    table = index[index.index("<table"):]  # the map above shows every county of the scope, 610104 as 无数据
    assert 'href="610103.html"' in table and "610104" not in table and "evil" not in index


def test_index_xlsx_beside_the_page_holds_the_same_rows(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    year_dir = tmp_path / str(YEAR)
    year_dir.mkdir()
    base = {"name_en": "", "city": "咸阳市", "city_code": "610400", "year": YEAR, "unmet_mandatory": [],
            "previous": None, "synthetic": False, "reason_en": "",
            "rubric": {"name": "shaanxi-2020", "version": "2020", "title_zh": "标准", "threshold": 85.0},
            "provenance": {"files": [], "creditlab_version": "0"}}
    docs = [{**base, "region": "610430", "name": "=HYPERLINK(\"x\")", "verdict": "not_certified",
             "reason_zh": "条件6：不良贷款率 1.75% ≥ 全国平均 1.50%",
             "total": {"points": 93.5, "max_points": 100.0, "missing_max": 0.0}},
            {**base, "region": "610431", "name": "武功县", "verdict": "certified", "reason_zh": "",
             "total": {"points": 90.0, "max_points": 100.0, "missing_max": 0.0}}]
    for d in docs:
        (year_dir / f"{d['region']}.json").write_text(json.dumps(d, ensure_ascii=False))
        (year_dir / f"{d['region']}.html").write_text("<html></html>")
    manifest = {"regions": {"610429": {"status": "not_submitted"}}}
    index = batch.write_index(year_dir, manifest=manifest).read_text(encoding="utf-8")
    ws = load_workbook(year_dir / batch.INDEX_XLSX)["报告索引"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("排名", "代码", "县（市、区）", "所属市", "综合评分", "未评估分值", "认定结论", "原因",
                       "未达标必备条件", "比上年")
    assert [r[1] for r in rows[1:]] == ["610430", "610431", "610429"]  # the page's order
    assert rows[1][2] == '=HYPERLINK("x")' and ws["C2"].data_type == "s"  # text, never a formula
    assert rows[1][4] == 93.5 and rows[1][7] == "条件6：不良贷款率 1.75% ≥ 全国平均 1.50%"
    assert rows[3][4] is None and rows[3][6] == "未报送"  # no data is not zero
    assert '<a href="index.xlsx" download>' in index
    assert load_workbook(year_dir / batch.INDEX_XLSX).sheetnames == ["报告索引"]  # real data: no banner sheet
    docs[0]["synthetic"] = True  # as a report made from demo data says
    docs[0]["banner"] = "模拟数据 — 本报告的指标数据为程序生成的模拟数据，不是对任何真实县（市、区）的评估。"
    (year_dir / "610430.json").write_text(json.dumps(docs[0], ensure_ascii=False))
    batch.write_index(year_dir, manifest=manifest)
    wb = load_workbook(year_dir / batch.INDEX_XLSX)
    assert wb.sheetnames == ["模拟数据", "报告索引"] and wb["模拟数据"]["A2"].value == docs[0]["banner"]
    order = re.findall(r'<tr data-search="(\d+) ', index)
    assert order == ["610430", "610431", "610429"]


# --- issue 11: no data is not zero, the index states its scope, a year without data, kill -9, full disk ----------

def _real_data(folder: Path, prefix: str, blank: str | None = None) -> Path:
    """Real data (no metadata.yaml beside it): the demo values of one city, ``blank`` returning nothing in YEAR."""
    frame = pd.read_csv(DEMO / DEMO_FILES[0], dtype=str, keep_default_na=False)
    frame = frame[frame["region"].str.removeprefix("KF").str.startswith(prefix)].copy()
    if blank:
        frame.loc[(frame["region"] == blank) & (frame["year"] == str(YEAR)), "value"] = ""
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "indicators.csv", index=False)
    return folder / "indicators.csv"


def test_city_run_on_real_data_without_context_with_a_county_that_returned_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _real_data(tmp_path / "real", "6102", blank="610222")  # 铜川市; 宜君县 returned an empty form
    out = tmp_path / "reports"
    # In-process (jobs 0) on the kernel the other jobs=0 runs of this file share; worker processes are
    # exercised by the shared batch, the failing county and the full disk.
    code = cli_main(["reports", "--year", str(YEAR), "--city", "铜川市", "--data", str(data), "--out", str(out),
                     "--jobs", "0"])
    assert code == 0, capsys.readouterr()
    year_dir = report_folder(out, "shaanxi-2020", YEAR, "zh")
    assert not (year_dir / "610222.html").exists()  # no 0.0/100 report
    docs = {c: json.loads((year_dir / f"{c}.json").read_text(encoding="utf-8")) for c in ("610202", "610203", "610204")}
    manifest = json.loads((year_dir / batch.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["regions"]["610222"]["status"] == "not_submitted"
    assert manifest["scope"] == {"cities": ["610200"], "jurisdiction": "610000"}
    for doc in docs.values():
        assert doc["rank"]["peers"] == 3  # ranked among the counties that reported
        assert doc["synthetic"] is False and doc["context_supplied"] is False
        assert doc["not_assessed_conditions"] == ["C3", "C4", "C5", "C6"]
    index = (year_dir / "index.html").read_text(encoding="utf-8")
    assert "铜川市（4个县（市、区））" in index and "全省" not in index
    assert re.search(r"<td>610222</td><td>宜君县</td><td>铜川市</td><td[^>]*>未报送</td>", index)
    mean = sum(d["total"]["points"] for d in docs.values()) / 3  # 未报送 is left out, not counted as 0
    assert f'<div class="label">平均综合评分</div><div class="value">{mean:,.1f}</div>' in index
    assert '<div class="label">未报送</div><div class="value">1</div>' in index
    assert "认定条件3、4、5、6未评估（未提供认定条件数据）" in index
    for page in [index, *((year_dir / f"{c}.html").read_text(encoding="utf-8") for c in docs)]:
        assert "模拟数据" not in page  # real data, no context: nothing synthetic anywhere
    report_page = (year_dir / "610202.html").read_text(encoding="utf-8")
    assert "未评估（未提供认定条件数据）" in report_page
    # Asked for by name, the county gets a page that says 未报送 — no score — and the index is unchanged.
    assert cli_main(["reports", "--year", str(YEAR), "--region", "610222", "--data", str(data), "--out", str(out),
                     "--jobs", "0"]) == 0
    page = (year_dir / "610222.html").read_text(encoding="utf-8")
    assert "未报送" in page and "0.0 / 100" not in page
    doc = json.loads((year_dir / "610222.json").read_text(encoding="utf-8"))
    assert doc["submitted"] is False and doc["total"]["points"] is None and doc["rank"] is None
    index = (year_dir / "index.html").read_text(encoding="utf-8")
    assert f'<div class="label">平均综合评分</div><div class="value">{mean:,.1f}</div>' in index
    assert '<div class="label">报告数</div><div class="value">3</div>' in index and "铜川市（4个县（市、区））" in index
    assert re.search(r"<td>610222</td><td>宜君县</td><td>铜川市</td><td[^>]*>未报送</td>.*?href=\"610222.html\"", index)


def test_index_states_the_province_scope_in_words(tmp_path: Path) -> None:
    year_dir = tmp_path / str(YEAR)
    year_dir.mkdir()
    units = report.unit_table()
    assert (~units["is_park"]).sum() == 107
    n_zones = int(units["is_park"].sum())
    index = batch.write_index(year_dir, manifest={"scope": {"cities": "*"}, "regions": {}}).read_text("utf-8")
    assert f"全省（陕西省，107个县（市、区）及{n_zones}个开发区）" in index
    en = batch.write_index(year_dir, lang="en", manifest={"scope": {"cities": ["610300"]}, "regions": {}})
    assert "Baoji (12 counties and 1 development zone)" in en.read_text("utf-8")


def test_a_year_without_data_exits_non_zero_naming_the_years_with_data(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(["reports", "--year", "2019", "--out", str(tmp_path), "--jobs", "0"])
    err = capsys.readouterr().err
    assert code != 0
    assert "2019年没有任何县（市、区）的指标数据" in err and "有数据的年份：2020、2021、2022、2023、2024" in err
    assert not list(tmp_path.rglob("*.html"))


@pytest.mark.parametrize(("args", "zh", "en"), [
    (["--year", "2204"], "年份应为 1949–2100 之间的整数，实际为 2204", "from 1949 to 2100"),
    (["--year", "2024", "--data", "missing.csv"], "找不到指标数据文件", "data file"),
    (["--year", "2024", "--region", "../x"], "找不到县（市、区）或开发区", "unknown county or zone"),
    (["--year", "2024", "--region", "610199"], "找不到县（市、区）或开发区 '610199'", "'610199'"),
    (["--year", "2024", "--city", "西按市"], "找不到城市 '西按市'", "unknown city '西按市'"),
    (["--year", "2024", "--rubric", "shaanxi-1999"], "未知的评估标准 'shaanxi-1999'", "unknown rubric"),
    (["--year", "2024", "--out", "out.xlsx"], "out.xlsx 是文件，不是文件夹", "is a file, not a folder"),
])
def test_reports_refuses_bad_arguments_with_one_named_message_in_the_language_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        args: list[str], zh: str, en: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out.xlsx").write_bytes(b"PK")  # an existing workbook: --out must not be taken for a folder
    args = [*args, "--jobs", "0"] + ([] if "--out" in args else ["--out", str(tmp_path / "reports")])
    assert cli_main(["reports", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("creditlab：错误：") and zh in err and "Traceback" not in err
    assert cli_main(["reports", *args, "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("creditlab: error: ") and en in err
    assert (tmp_path / "out.xlsx").read_bytes() == b"PK" and not list(tmp_path.rglob("*.html"))


def _descendants(pid: int) -> list:
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _cmd(p) -> str:
    import psutil

    try:
        return " ".join(p.cmdline())
    except psutil.Error:  # gone, or a zombie by now
        return ""


def _alive(procs: list) -> list:
    import psutil

    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.Error:
            pass
    return out


def _snapshot(folder: Path) -> dict[str, str]:
    import hashlib

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".staging" not in p.parts}


def test_kill_9_of_the_batch_leaves_no_worker_or_kernel(tmp_path: Path) -> None:
    """A real `creditlab reports` of the whole province, killed with SIGKILL while kernels run."""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "reports"
    proc = subprocess.Popen([sys.executable, "-m", "creditlab.cli", "reports", "--year", str(YEAR), "--out", str(out),
                             "--jobs", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    kids: list = []
    try:
        deadline = time.monotonic() + 120
        kernels: list = []
        while time.monotonic() < deadline and proc.poll() is None:
            kids = _descendants(proc.pid)
            kernels = [k for k in kids if "ipykernel" in _cmd(k)]
            if len(kernels) >= 1 and list(out.rglob("*.html")):
                break
            time.sleep(0.05)
        assert proc.poll() is None and kernels, "the batch never got a kernel running"
        kids = _descendants(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        after_kill = _snapshot(out / str(YEAR))
        deadline = time.monotonic() + 5
        while _alive(kids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(kids), [_cmd(p)[:100] for p in _alive(kids)]
        time.sleep(1.0)
        # Nothing wrote anything after the parent died: no report the manifest never records.
        assert _snapshot(out / str(YEAR)) == after_kill
        manifest = batch.load_manifest(out / str(YEAR))["regions"]
        for code, entry in manifest.items():
            if entry.get("status") == "generated":
                doc = json.loads((out / str(YEAR) / f"{code}.json").read_text(encoding="utf-8"))
                assert doc["provenance"]["digest"] == entry["digest"]
    finally:  # never leave anything behind, even when the test fails
        if proc.poll() is None:
            proc.kill()
        for p in _alive(kids + _descendants(proc.pid)):
            p.kill()


@pytest.fixture()
def small_disk(tmp_path: Path):
    """A real 24 MB tmpfs (tests run as root in the project's container); skipped where mount is refused."""
    import subprocess

    mnt = tmp_path / "disk"
    mnt.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mnt)], capture_output=True, text=True,
                         check=False)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill (needs root): {res.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(folder: Path, leave: int) -> None:
    """Fill the file system of ``folder`` until ``leave`` bytes are free (a real ENOSPC follows)."""
    import os

    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
    with open(folder / f"filler{len(list(folder.glob('filler*')))}", "wb") as fh:
        block = b"\0" * (1 << 16)
        todo = max(0, free - leave)
        while todo > 0:
            todo -= fh.write(block[: min(len(block), todo)])


def test_a_full_disk_gives_one_named_error_and_keeps_every_earlier_output(
        shared: DemoBatch, small_disk: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    # The earlier outputs: the shared batch's reports, manifest and index, copied onto the small disk.
    out = small_disk / "reports"
    shutil.copytree(shared.reports, out)
    inputs = shared.inputs()
    argv = ["reports", "--year", str(YEAR), *[x for c in shared.codes for x in ("--region", c)],
            "--data", str(inputs["data"]), *[x for c in inputs["context"] for x in ("--context", c)],
            "--out", str(out), "--jobs", "1"]
    year_dir = report_folder(out, "shaanxi-2020", YEAR, "zh")
    manifest = batch.load_manifest(year_dir)["regions"]
    assert all(manifest[c]["status"] == "generated" for c in shared.codes)  # earlier outputs, all complete
    before = _snapshot(year_dir)
    # Room for the manifest and the evaluation cache (the parts the counties need), not for the reports: the
    # worker meets ENOSPC.
    ev = report.evaluate(report.resolve_inputs("shaanxi-2020", inputs["data"], inputs["context"]))
    report.save_county_parts(ev, YEAR, "province", shared.codes, tmp_path / "parts")
    _fill(small_disk, sum(p.stat().st_size for p in (tmp_path / "parts").rglob("*.pkl")) + 96 * 1024)
    res = subprocess.run([sys.executable, "-m", "creditlab.cli", *argv, "--force"], capture_output=True, text=True,
                         timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert res.returncode != 0
    assert res.stderr.count("磁盘空间不足") == 1 and "此前已生成的报告、清单和索引均保持原样" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    assert _snapshot(year_dir) == before  # every earlier output, byte for byte
    assert not list((year_dir / batch.FAILED_DIR).glob("*")), "nothing truncated kept as an error notebook"
    assert not list(year_dir.rglob("*.tmp")) and not (year_dir / batch.STAGING_DIR).exists()
    # A disk with no room at all: the first write (the manifest) fails the same way.
    _fill(small_disk, 0)
    res = subprocess.run([sys.executable, "-m", "creditlab.cli", *argv, "--force"], capture_output=True, text=True,
                         timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert res.returncode != 0 and res.stderr.count("磁盘空间不足") == 1 and "Traceback" not in res.stderr
    assert _snapshot(year_dir) == before


def test_error_notebooks_are_written_whole(tmp_path: Path) -> None:
    """A notebook papermill cut short is not kept as it is: the error notebook is complete, written atomically."""
    import nbformat

    year_dir = tmp_path / str(YEAR)
    (year_dir / batch.FAILED_DIR).mkdir(parents=True)
    partial = tmp_path / "610103.ipynb"
    partial.write_text('{"cells": [{"cell_type": "code", "sour', encoding="utf-8")  # truncated
    kept = batch._keep_failed(partial, year_dir, "610103", RuntimeError("boom"))
    nb = nbformat.read(str(kept), as_version=4)
    assert "boom" in nb.cells[0].source
    assert [p.name for p in (year_dir / batch.FAILED_DIR).iterdir()] == ["610103.ipynb"]


def test_a_cell_timeout_fails_the_county_and_keeps_what_ran(tmp_path: Path) -> None:
    """In-process run_task on a tiny notebook whose second cell hangs: a failure, not a hang.

    Last in this file: it shuts down the in-process kernel that the earlier ``jobs=0`` runs share.
    """
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("region = '610103'", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("print('started')"),
        nbformat.v4.new_code_cell("import time\ntime.sleep(60)"),
    ])
    nb.metadata.kernelspec = {"name": "creditlab", "display_name": "creditlab", "language": "python"}
    path = tmp_path / "hang.ipynb"
    nbformat.write(nb, str(path))
    year_dir = tmp_path / str(YEAR)
    (year_dir / "staging").mkdir(parents=True)
    task = batch.Task("610103", YEAR, str(path), {"region": "610103"}, str(year_dir), str(year_dir / "staging"),
                      "digest", "zh", timeout=3)
    try:
        outcome = batch.run_task(task)
        assert batch._KERNEL is not None and batch._KERNEL.runs >= batch.RECYCLE_AFTER  # replaced next time
    finally:
        if batch._KERNEL is not None:
            batch._KERNEL.shutdown()
            batch._KERNEL = None
    assert outcome.status == "failed" and "Timeout" in outcome.error
    kept = nbformat.read(outcome.failed_notebook, as_version=4)
    assert kept.cells[2].outputs[0]["text"] == "started\n"  # the cells that ran are kept
    assert not (year_dir / "610103.html").exists() and not list((year_dir / "staging").iterdir())


# --- issue 13: each rubric on its own jurisdiction ----------------------------------------------------

def test_selection_follows_the_rubrics_jurisdiction() -> None:
    ev = report.evaluate(report.resolve_inputs("henan-2021"))
    codes, no_data = batch.select_regions(ev, 2023, province="河南")
    assert len(codes) == 157 and not no_data
    codes, _ = batch.select_regions(ev, 2023, province="410000", city=None)
    assert len(codes) == 157
    with pytest.raises(batch.BatchError, match="outside the jurisdiction of rubric henan-2021"):
        batch.select_regions(ev, 2023, province="陕西")
    with pytest.raises(batch.BatchError, match=r"宝鸡市金台区 \(610303\): outside the jurisdiction"):
        batch.select_regions(ev, 2023, regions=["610303"])
    with pytest.raises(batch.BatchError, match="unknown region '619999'"):
        batch.select_regions(ev, 2023, regions=["619999"])


def test_index_of_a_city_rubric_names_the_city(tmp_path: Path) -> None:
    year_dir = tmp_path / "2024"
    year_dir.mkdir()
    manifest = {"scope": {"cities": "*", "jurisdiction": "371300"}, "regions": {"371311": {"status": "not_submitted"}}}
    index = batch.write_index(year_dir, manifest=manifest).read_text("utf-8")
    assert "临沂市（12个县（市、区））" in index and "罗庄区" in index and "陕西" not in index
    henan = {"scope": {"cities": "*", "jurisdiction": "410000"}, "regions": {}}
    assert "全省（河南省，157个县（市、区））" in batch.write_index(year_dir, manifest=henan).read_text("utf-8")


def test_linyi_county_report_end_to_end(tmp_path: Path) -> None:
    # The report that failed with IndexError: a real papermill run on the Linyi demo (临沂市's units).
    out = tmp_path / "reports"
    assert cli_main(["reports", "--rubric", "linyi-2019", "--year", "2024", "--region", "371302", "--out", str(out),
                     "--jobs", "1"]) == 0
    year_dir = next(p for p in out.rglob("371302.json")).parent
    results = json.loads((year_dir / "371302.json").read_text(encoding="utf-8"))
    assert results["verdict"] == "no_certification" and results["rank"]["peers"] == 12
    page = (year_dir / "371302.html").read_text(encoding="utf-8")
    assert "不设认定条件" in page and "在临沂市12个县（市、区）中" in page and "模拟数据" in page
    assert "临沂市" in (year_dir / "index.html").read_text(encoding="utf-8")


def test_an_unchanged_rerun_scores_nothing(shared: DemoBatch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "reports"
    shutil.copytree(shared.reports, out)
    before = {p.name: p.read_bytes() for p in (out / str(YEAR)).glob("*.json") if p.name != batch.MANIFEST}

    def no_scoring(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged re-run must not score")

    monkeypatch.setattr(report, "evaluate", no_scoring)
    inputs = shared.inputs()
    summary = batch.run_reports(YEAR, list(shared.codes), data=inputs["data"], context=inputs["context"], out=out,
                                jobs=0, progress=False)
    assert sorted(summary.skipped) == sorted(shared.codes) and not summary.generated
    assert {p.name: p.read_bytes() for p in (out / str(YEAR)).glob("*.json") if p.name != batch.MANIFEST} == before
    # A changed input file: its digest differs, so the batch scores (and here meets the patched scorer).
    with open(tmp_path / "data.csv", "w", encoding="utf-8") as fh:
        fh.write(Path(inputs["data"]).read_text(encoding="utf-8") + "\n")
    with pytest.raises(AssertionError, match="must not score"):
        batch.run_reports(YEAR, list(shared.codes), data=str(tmp_path / "data.csv"), context=inputs["context"],
                          out=out, jobs=0, progress=False)


def _comparable(doc: dict) -> dict:
    doc["provenance"].pop("run_at"), doc["provenance"].pop("run_date")
    return doc


def test_a_dask_cluster_gives_the_same_results_as_local_workers(shared: DemoBatch, tmp_path: Path) -> None:
    from distributed import LocalCluster

    inputs = shared.inputs()
    out = tmp_path / "reports"
    dask = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None)
    try:
        summary = batch.run_reports(YEAR, list(shared.codes), data=inputs["data"], context=inputs["context"], out=out,
                                    scheduler=dask.scheduler_address, progress=False)
        client = dask.get_client()
        kernels = client.run(lambda: batch._KERNEL and batch._KERNEL._dir)  # each worker's kernel, by its folder
        again = batch.run_reports(YEAR, list(shared.codes), data=inputs["data"], context=inputs["context"], out=out,
                                  scheduler=dask.scheduler_address, progress=False, force=True)
        after = client.run(lambda: batch._KERNEL and batch._KERNEL._dir)
        client.close()
    finally:
        dask.close()
    assert summary.ok and sorted(summary.generated) == sorted(shared.codes), summary.text()
    assert again.ok and sorted(again.generated) == sorted(shared.codes), again.text()
    # A worker outlives a batch; its kernel does not serve the next one (no stale imports across runs).
    used = [w for w, d in kernels.items() if d]
    assert used and any(after.get(w) for w in used)
    assert all(after[w] != kernels[w] for w in used if after.get(w))
    for code in shared.codes:
        ours = json.loads((summary.year_dir / f"{code}.json").read_text(encoding="utf-8"))
        assert _comparable(ours) == _comparable(_results(shared, code))
    index = (summary.year_dir / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{code}.html"' in index for code in shared.codes)


def test_a_bad_scheduler_address_is_refused_before_any_work(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(CreditlabError, match="调度器地址应为 tcp://主机:端口"):
        batch.run_reports(YEAR, ["610103"], out=tmp_path / "r", scheduler="not an address", progress=False)
    with pytest.raises(CreditlabError, match="must read tcp://host:port"):
        batch.run_reports(YEAR, ["610103"], out=tmp_path / "r", scheduler="http://x", lang="en", progress=False)
    assert not (tmp_path / "r").exists()
    # The command line: one message, exit 2, no traceback.
    assert cli_main(["reports", "--year", str(YEAR), "--region", "610103", "--out", str(tmp_path / "r"),
                     "--scheduler", "10.0.0.5"]) == 2
    err = capsys.readouterr().err
    assert "调度器地址应为" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


# --- every unit of the scope is listed: a development zone too (the 宝鸡 newcomer's run) -------------------

def test_a_zone_without_data_is_listed_as_not_submitted_by_name_and_code(tmp_path: Path) -> None:
    from creditlab import load_rubric

    rub = load_rubric("shaanxi-2020")
    ev = batch.Recorded(batch.unit_table(rub.jurisdiction), rub, ["610303", "610304"])  # two counties filled in
    codes, no_data = batch.select_regions(ev, 2025, city="宝鸡")
    assert codes == ["610303", "610304"] and len(no_data) == 11 and "KF610301" in no_data
    text = batch.Summary(2025, tmp_path, no_data=no_data).text()  # Chinese by default, by name and code
    assert "宝鸡市渭滨区（610302）" in text and "宝鸡高新技术产业开发区（KF610301）" in text
    assert "no data" not in text and "generated" not in text
    en = batch.Summary(2025, tmp_path, no_data=no_data, lang="en").text()
    assert "no data for 2025" in en and "宝鸡高新技术产业开发区 (KF610301)" in en  # names as in every English message
    year_dir = tmp_path / "2025"
    year_dir.mkdir()
    manifest = {"scope": {"cities": ["610300"], "jurisdiction": rub.jurisdiction},
                "regions": {c: {"status": "not_submitted"} for c in no_data}}
    index = batch.write_index(year_dir, manifest=manifest).read_text("utf-8")
    assert "宝鸡市（12个县（市、区））及1个开发区" in index
    assert re.search(r"<td>KF610301</td><td>宝鸡高新技术产业开发区</td><td>宝鸡市</td><td[^>]*>未报送</td>", index)
