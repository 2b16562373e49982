"""The analysis commands (creditlab progress, sensitivity, rankings, summary, compare): registry, parameter checks
in the parent, end-to-end runs on the demo data with small scopes, each output form counted in a real browser."""
from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from creditlab.runs import analyses
from creditlab.runs.analyses import ANALYSES, AnalysisError, analysis, parameters, run_analysis
from helpers import NB_DIR, ROOT, chromium_dom, drawn_charts


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], float]:
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "creditlab.cli", *args], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, timeout=600, check=False)
    return res, time.perf_counter() - t0


# --- registry and notebooks ------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(NB_DIR.glob("*.ipynb")), ids=lambda p: p.name)
def test_help_notebook_lists_every_parameter_with_its_comment(path: Path, caplog) -> None:
    """papermill infers every parameter (no "Unable to parse line") and shows each one's comment."""
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    names = [m.group(1) for m in re.finditer(r"^(\w+)\s*=", cell.source, flags=re.M)]
    with caplog.at_level(logging.WARNING, logger="papermill"):
        inferred = pm.inspect_notebook(str(path))
    assert not [r for r in caplog.records if "Unable to parse" in r.getMessage()]
    assert list(inferred) == names
    assert all(p["help"].strip() for p in inferred.values()), {n: p["help"] for n, p in inferred.items()}
    res = subprocess.run([sys.executable, "-m", "papermill", "--help-notebook", str(path)], capture_output=True,
                         text=True, timeout=120, check=False)
    assert res.returncode == 0 and "Unable to parse" not in res.stderr
    for name, p in inferred.items():
        assert f"  {name}:" in res.stdout and p["help"].strip() in res.stdout


@pytest.mark.parametrize("a", ANALYSES, ids=lambda a: a.command)
def test_registry_defaults_are_the_notebooks_own(a: analyses.Analysis) -> None:
    if not a.notebook_path.is_file():
        pytest.skip(f"{a.notebook} is not on this branch yet")
    inferred = pm.inspect_notebook(str(a.notebook_path))
    for par in a.params:
        assert par.name in inferred, par.name
        assert eval(inferred[par.name]["default"]) == par.default, par.name  # noqa: S307 - the notebook's literal
    extra = {a.scope_param, a.city_param, a.output_param, "language"} - {None}
    assert {p.name for p in a.params} | extra == set(inferred)


def test_parameters_resolve_names_to_codes() -> None:
    sens = analysis("sensitivity")
    assert parameters(sens, {"city": "宝鸡"}, "zh")["scope"] == "610300"
    assert parameters(sens, {"region": ["淳化", "610102"]}, "zh")["scope"] == ["610430", "610102"]
    assert parameters(sens, {}, "en")["scope"] == "province" and parameters(sens, {}, "en")["language"] == "en"
    summ = analysis("summary")
    p = parameters(summ, {"city": "宝鸡市", "data": ["a.csv"]}, "zh")
    assert p["city"] == "610300" and p["data"] == "a.csv" and p["province"] == ""  # the rubric's own province
    assert parameters(summ, {"data": ["a.csv", "b.csv"]}, "zh")["data"] == ["a.csv", "b.csv"]
    comp = analysis("compare")
    p = parameters(comp, {"city": "宝鸡", "data": ["a.csv"], "data_b": ["b.csv", "c.csv"]}, "zh")
    assert p["city"] == "610300" and p["data"] == "a.csv" and p["data_b"] == ["b.csv", "c.csv"]
    assert comp.name(p) == "compare_shaanxi-2020_weights_shaanxi-2020_results-first_latest_610300"
    p = parameters(comp, {"rubric_b": "../linyi-2019.yaml", "scenario_b": "", "year": 2023}, "en")
    assert comp.name(p) == "compare_shaanxi-2020_weights_linyi-2019_weights_2023_en" and p["city"] == ""


def test_names_resolve_by_one_rule_for_every_command() -> None:
    """A county name is no city (宝鸡县), an ending is dropped only from a unit's own name (高新区 is not 高县 in
    Sichuan), a name found several times outside the jurisdiction lists them, and --province is checked with
    --region and --city: every problem at once."""
    from creditlab.errors import DataError

    for a in (analysis("summary"), analysis("sensitivity"), analysis("compare")):
        with pytest.raises(DataError, match="'宝鸡县' 不是城市.*是否指 宝鸡市（610300）？"):
            parameters(a, {"city": "宝鸡县"}, "zh")
    with pytest.raises(DataError) as exc:
        parameters(analysis("sensitivity"), {"region": ["高新区"]}, "zh")
    assert "'高新区' 不唯一，有6个候选" in str(exc.value) and "511525" not in str(exc.value)
    with pytest.raises(DataError) as exc:
        analyses.resolve_selection(["鼓楼", "高新区"], "宝鸡县", "en", "shaanxi-2020", "江苏")
    text = str(exc.value)
    assert text.startswith("4 problem(s) in --region, --city, --province"), text
    for line in ("'宝鸡县' is not a city", "'高新区' is ambiguous, 6 candidates",
                 "'鼓楼' is outside the jurisdiction of rubric shaanxi-2020, Shaanxi (610000); 4 units elsewhere",
                 "开封市鼓楼区 (410204)",
                 "province '江苏' is outside the jurisdiction of rubric shaanxi-2020"):
        assert line in text, text
    assert analyses.resolve_selection(["淳化", "610102"], "宝鸡", "zh", "shaanxi-2020", "陕西") == (
        ["610430", "610102"], "610300")
    assert analyses.resolve_selection(["高县"], None, "zh", "shaanxi-2020") == (["511525"], None)  # said outside later


# --- bad parameters: exit 2, every problem, no traceback, no kernel ----------------------------


def test_bad_parameters_exit_2_with_every_problem_and_no_traceback(tmp_path: Path) -> None:
    res, seconds = cli("progress", "--plan", "nope", "--method", "x", "--out", str(tmp_path / "o"))
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr and "发现 2 个问题" in res.stderr
    assert "method（方法）须为compound、linear之一" in res.stderr and "没有名为 'nope' 的规划" in res.stderr
    assert not (tmp_path / "o").exists()  # nothing started, nothing written
    print(f"bad parameter answered in {seconds:.2f} s")  # the figure is in bench/commands.py; no timed assertion

    res, _ = cli("sensitivity", "--scheme", "gauss", "--sobol-n", "1000", "--year", "2019", "--lang", "en")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    for text in ("scheme must be one of uniform, dirichlet", "sobol_n must be a power of two",
                 "rubric shaanxi-2020 is not used for 2019"):
        assert text in res.stderr, res.stderr

    res, _ = cli("rankings", "--period", "2030Q1", "--low-rank-rule", "worst:1")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "没有2030Q1的排名；数据覆盖2020Q1–2024Q4" in res.stderr, res.stderr
    assert "低排名规则（low_rank_rule）'worst:1'" in res.stderr, res.stderr

    res, _ = cli("sensitivity", "--city", "火星")
    assert res.returncode == 2 and "找不到城市 '火星'" in res.stderr and "Traceback" not in res.stderr


def test_compare_bad_parameters_every_problem_at_once_before_any_kernel(tmp_path: Path) -> None:
    """An unknown scenario (side A), an unknown rubric (side B) and side A's own data beside another rubric's
    demo data: three problems in one Chinese message, exit 2, nothing written."""
    own = tmp_path / "own.csv"
    shutil.copy(ROOT / "data" / "demo" / "shaanxi-2020_indicators.csv", own)
    res, seconds = cli("compare", "--scenario-a", "no-such", "--rubric-b", "nope", "--data", str(own),
                       "--out", str(tmp_path / "o"))
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr and "参数：发现 3 个问题" in res.stderr, res.stderr
    for text in ("A方：评估标准 shaanxi-2020 没有权重方案 'no-such'", "B方：未知的评估标准 'nope'",
                 "A方使用了指定的指标数据，B方（另一评估标准）也须用 data_b 指定数据，不能与演示数据比较"):
        assert text in res.stderr, res.stderr
    assert not (tmp_path / "o").exists()  # nothing started, nothing written
    print(f"bad compare parameters answered in {seconds:.2f} s")
    assert seconds < 30  # loosely: a kernel start and a scoring run would take longer; the figure is printed

    res, _ = cli("compare", "--year", "1800", "--province", "火星", "--lang", "en", "--out", str(tmp_path / "o"))
    assert res.returncode == 2 and "Traceback" not in res.stderr and "2 problem(s) in the parameters" in res.stderr
    assert "year 1800 is not a plausible evaluation year" in res.stderr and "火星" in res.stderr
    assert not (tmp_path / "o").exists()


def test_checks_collect_every_problem_before_any_kernel(tmp_path: Path) -> None:
    with pytest.raises(AnalysisError) as exc:
        run_analysis(analysis("summary"), {"rubric": "nope", "year": 1800, "data": "", "context": "",
                                           "province": "火星", "city": "", "language": "zh"})
    text = str(exc.value)
    assert "年份应为" in text and "nope" in text and "火星" in text
    comp = analysis("compare")
    output = tmp_path / "a-file"
    output.write_text("x")
    with pytest.raises(AnalysisError) as exc:
        run_analysis(comp, {**parameters(comp, {"scenario_b": "nope", "year": 1800}, "en"), "output": str(output)})
    text = str(exc.value)
    assert text.startswith("3 problem(s) in the parameters"), text
    for line in (f"output {output} is a file, not a folder", "side B: rubric shaanxi-2020 has no scenario 'nope'",
                 "year 1800 is not a plausible evaluation year"):
        assert line in text, text


def test_a_year_without_data_or_outside_the_rubric_is_refused_before_any_kernel(tmp_path: Path) -> None:
    """summary and sensitivity check the year against the rubric and the data files' years in the parent, as
    reports do: exit 2, every problem at once, Chinese by default (no kernel: run_analysis raises in the check)."""
    summ, sens = analysis("summary"), analysis("sensitivity")
    no_2030 = "2030年没有任何县（市、区）的指标数据；有数据的年份：2020、2021、2022、2023、2024"
    not_2019 = "评估标准shaanxi-2020不适用于2019年（适用年份2020–）"
    for a, values, expected in [(summ, {"year": 2030, "city": "宝鸡"}, no_2030), (summ, {"year": 2019}, not_2019),
                                (sens, {"year": 2030}, no_2030), (sens, {"year": 2019}, not_2019)]:
        with pytest.raises(AnalysisError) as exc:
            run_analysis(a, parameters(a, values, "zh"), out=tmp_path / "o")
        assert expected in str(exc.value), str(exc.value)
    with pytest.raises(AnalysisError) as exc:  # every problem at once, in English on request
        run_analysis(sens, parameters(sens, {"year": 2030, "scheme": "gauss"}, "en"), out=tmp_path / "o")
    assert str(exc.value).startswith("2 problem(s)") and "no indicator data for 2030; years with data: 2020, " \
        "2021, 2022, 2023, 2024" in str(exc.value), str(exc.value)
    own = tmp_path / "own.csv"  # the given data's years, not the demo's
    lines = (ROOT / "data" / "demo" / "shaanxi-2020_indicators.csv").read_text(encoding="utf-8").splitlines()
    own.write_text("\n".join([lines[0], *(x for x in lines[1:] if ",2022," in x)]) + "\n", encoding="utf-8")
    with pytest.raises(AnalysisError, match="2024年没有任何县（市、区）的指标数据；有数据的年份：2022"):
        summ.check(parameters(summ, {"year": 2024, "data": [str(own)]}, "zh"), "zh")
    assert not (tmp_path / "o").exists()  # nothing started, nothing written


def test_sensitivity_without_year_is_named_by_the_latest_year_with_data(tmp_path: Path) -> None:
    """The latest year is resolved in the check and passed on as the notebook's ``year``: the file's name and the
    page agree, and next year's data never lands under the same name."""
    sens = analysis("sensitivity")
    p = sens.check(parameters(sens, {"city": "宝鸡"}, "zh"), "zh")
    assert p["year"] == 2024 and sens.name(p) == "weight_sensitivity_shaanxi-2020_2024_610300"
    own = tmp_path / "own.csv"
    lines = (ROOT / "data" / "demo" / "shaanxi-2020_indicators.csv").read_text(encoding="utf-8").splitlines()
    own.write_text("\n".join([lines[0], *(x for x in lines[1:] if ",2024," not in x)]) + "\n", encoding="utf-8")
    p = sens.check(parameters(sens, {"data": str(own)}, "zh"), "zh")
    assert p["year"] == 2023 and sens.name(p) == "weight_sensitivity_shaanxi-2020_2023_province"


def test_progress_as_of_after_the_observations_and_rankings_period_are_refused_in_chinese() -> None:
    prog, rank = analysis("progress"), analysis("rankings")
    with pytest.raises(AnalysisError) as exc:
        prog.check(parameters(prog, {"as_of": 2030}, "zh"), "zh")
    assert ("截至年份（as_of）2030晚于观测数据的最新年份2024；有观测的年份：2020、2021、2022、2023、2024"
            in str(exc.value)), str(exc.value)
    with pytest.raises(AnalysisError, match="截至年份（as_of）2019早于规划的基期年份2020"):
        prog.check(parameters(prog, {"as_of": 2019}, "zh"), "zh")
    with pytest.raises(AnalysisError) as exc:
        rank.check(parameters(rank, {"period": "2030Q1", "low_rank_rule": "worst:1"}, "zh"), "zh")
    text = str(exc.value)
    assert "期间（period）'2030Q1'：没有2030Q1的排名；数据覆盖2020Q1–2024Q4" in text, text
    assert "低排名规则（low_rank_rule）'worst:1'" in text, text
    with pytest.raises(AnalysisError, match="period '2030Q1': no rankings for 2030Q1; the data cover 2020Q1–2024Q4"):
        rank.check(parameters(rank, {"period": "2030Q1"}, "en"), "en")  # --lang en


# --- end to end on the demo data, each form counted in chromium --------------------------------


@pytest.fixture(scope="module")
def progress_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("progress")
    res, _ = cli("progress", "--as-of", "2023", "--out", str(out))
    assert res.returncode == 0, res.stderr[-3000:]
    return out, res


def test_progress_command_writes_a_folder_page_that_draws(progress_folder, tmp_path: Path) -> None:
    out, res = progress_folder
    page = Path(res.stdout.strip().splitlines()[-1])
    assert page == out / "plan_progress_shaanxi-14th-fyp_2023.html" and page.is_file()
    assert (out / "plotly.min.js").is_file()
    assert "Executing" in res.stderr  # the progress bar, on stderr
    for noise in ("Unable to parse", "Passed unknown parameter", "Traceback", "WARNING"):
        assert noise not in res.stderr, res.stderr
    text = page.read_text(encoding="utf-8")
    assert "截至2023年" in text or "2023" in text
    assert text.count("creditlab:plotly.js") == 0 and text.count('<script src="plotly.min.js"') == 1
    charts, drawn = drawn_charts(chromium_dom(page, tmp_path / "p"))
    assert charts >= 5 and drawn == charts
    # The same page alone (mailed without its plotly.min.js) draws nothing: the counter can fail.
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(page, alone)
    assert drawn_charts(chromium_dom(alone / page.name, tmp_path / "q")) == (charts, 0)


def test_rankings_standalone_in_english_works_alone(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res, _ = cli("rankings", "--lang", "en", "--standalone", "--quiet", "--out", str(out))
    assert res.returncode == 0, res.stderr[-3000:]
    page = Path(res.stdout.strip())
    assert not (out / "plotly.min.js").exists()
    text = page.read_text(encoding="utf-8")
    assert text.count("<script src=") == 0 and 'lang="en"' in text and "synthetic demo data" in text
    mailed = tmp_path / "mailed"
    mailed.mkdir()
    shutil.copy(page, mailed)  # copied alone to another folder, as a mail attachment is
    charts, drawn = drawn_charts(chromium_dom(mailed / page.name, tmp_path / "p"))
    assert charts >= 2 and drawn == charts


def test_sensitivity_pdf_for_a_city_by_name(tmp_path: Path) -> None:
    res, _ = cli("sensitivity", "--city", "宝鸡", "--draws", "20", "--sobol-n", "8", "--pdf", "--quiet",
                 "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr[-3000:]
    pdf = Path(res.stdout.strip())
    assert pdf.name == "weight_sensitivity_shaanxi-2020_2024_610300.pdf"  # the latest year, by its number
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= 2
    assert b"595" in data and b"841" in data  # A4 (595 x 842 pt), not US Letter (612 x 792)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert text.count("模拟数据") >= pages  # the banner on every page
        assert "权重敏感性分析（2024年）" in text  # the page and its name tell the same year
        assert "权重敏感性分析" in text
        assert "Parameterised notebook" not in text  # no developer note
    assert not list(tmp_path.glob(".print-*")) and not list(tmp_path.glob("*.html"))


def test_summary_command_for_a_city_by_name_draws_every_chart(tmp_path: Path) -> None:
    """``creditlab summary --city 铜川``: the real notebook, the page, its workbook, every chart (map included)."""
    out = tmp_path / "out"
    res, seconds = cli("summary", "--year", "2024", "--city", "铜川", "--out", str(out))
    assert res.returncode == 0, res.stderr[-3000:]
    page = Path(res.stdout.strip().splitlines()[-1])
    assert page.parent == out and page.is_file() and "610200" in page.name
    text = page.read_text(encoding="utf-8")
    assert "模拟数据" in text and "铜川市" in text
    assert "示意图".encode("ascii", "backslashreplace").decode() in text  # the map's label, inside plotly's JSON
    assert (out / "summary-shaanxi-2020-2024-610200.xlsx").is_file()  # the workbook, beside the page
    charts, drawn = drawn_charts(chromium_dom(page, tmp_path / "p"))
    assert charts == drawn == 3  # verdicts by city, the verdict map, the distribution


def test_compare_command_writes_a_folder_page_that_draws(tmp_path: Path) -> None:
    """``creditlab compare``: the bundled demo under its own weights (A) and results-first (B), the real notebook,
    the page beside plotly.min.js, the notebook's own workbook, both charts drawn."""
    out = tmp_path / "out"
    res, seconds = cli("compare", "--out", str(out))
    assert res.returncode == 0, res.stderr[-3000:]
    print(f"creditlab compare ran in {seconds:.1f} s")
    page = Path(res.stdout.strip().splitlines()[-1])
    assert page == out / "compare_shaanxi-2020_weights_shaanxi-2020_results-first_2024.html" and page.is_file()
    assert (out / "plotly.min.js").is_file() and page.with_suffix(".xlsx").is_file()  # the notebook's workbook
    for noise in ("Unable to parse", "Passed unknown parameter", "Traceback", "WARNING"):
        assert noise not in res.stderr, res.stderr
    text = page.read_text(encoding="utf-8")
    assert "模拟数据" in text and "评价比较" in text and "斯皮尔曼相关系数" in text
    assert text.count('<script src="plotly.min.js"') == 1 and text.count("creditlab:plotly.js") == 0
    charts, drawn = drawn_charts(chromium_dom(page, tmp_path / "p"))
    assert charts == drawn == 2  # the ranks under A and B, the scores


def test_a_failing_notebook_is_kept_and_named(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "creditlab", "display_name": "creditlab",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell('plan = "x"  # plan\nas_of = 2024  # year\ndata = ""  # data\n'
                                          'method = "compound"  # method\nlanguage = "zh"  # zh or en',
                                          metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell('raise ValueError("boom")')]
    stand_in = tmp_path / "plan_progress.ipynb"
    nbformat.write(nb, stand_in)
    with pytest.raises(analyses.AnalysisFailed) as exc:
        run_analysis(analysis("progress"), parameters(analysis("progress"), {}, "zh"), out=tmp_path / "o",
                     notebook=stand_in, progress=False)
    kept = tmp_path / "o" / "failed" / "plan_progress_shaanxi-14th-fyp_2024.ipynb"
    assert "ValueError: boom" in str(exc.value) and str(kept) in str(exc.value) and kept.is_file()
    assert not list((tmp_path / "o").glob("*.html"))


# --- a plain nbconvert export of an executed analysis notebook draws its charts -------------------


def test_nbconvert_export_of_an_executed_notebook_draws(tmp_path: Path) -> None:
    out = tmp_path / "plan.ipynb"
    pm.execute_notebook(str(NB_DIR / "plan_progress.ipynb"), str(out), kernel_name="creditlab", progress_bar=False,
                        cwd=str(NB_DIR), start_timeout=120, execution_timeout=300)
    res = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", str(out)],
                         capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stderr[-2000:]
    page = out.with_suffix(".html")
    text = page.read_text(encoding="utf-8")
    assert text.count("<!-- creditlab:plotly.js -->") == 1  # plotly.js once, in the first chart's output
    # Opened offline, with an AMD define on the page as well (online, the lab template's require.js would be
    # there): plotly.js must still define the global Plotly and every chart draw.
    amd = tmp_path / "amd.html"
    amd.write_text(text.replace("<head>", "<head><script>window.define = function () {}; window.define.amd = {};"
                                "</script>", 1), encoding="utf-8")
    charts, drawn = drawn_charts(chromium_dom(amd, tmp_path / "q"))
    assert charts >= 5 and drawn == charts


@pytest.mark.parametrize("command", [a.command for a in ANALYSES])
def test_the_two_languages_never_share_a_file_name(command: str) -> None:
    """``--lang en`` and the Chinese default written into one ``--out`` folder keep both documents."""
    a = analysis(command)
    names = {lang: a.name(a.check(parameters(a, {}, lang), lang)) for lang in ("zh", "en")}
    assert names["zh"] != names["en"] and names["en"].endswith("en") and not names["zh"].endswith("en")


def test_compare_resolves_its_year_and_refuses_one_without_data_before_any_kernel() -> None:
    a = analysis("compare")
    p = a.check(parameters(a, {}, "zh"), "zh")
    assert p["year"] == 2024 and a.name(p).endswith("_2024")  # the latest year with data under both, by number
    with pytest.raises(AnalysisError) as err:
        a.check(parameters(a, {"year": 2030}, "zh"), "zh")
    assert str(err.value).count("没有2030年的填报值") == 1 and "2020、2021、2022、2023、2024" in str(err.value)


def test_sensitivity_takes_the_latest_year_of_the_analysed_units(tmp_path: Path) -> None:
    """Only Xi'an reported for 2024: 宝鸡's analysis is of 2023 (its latest), and 2024 is refused for it up front."""
    import pandas as pd

    d = pd.read_csv(ROOT / "data" / "demo" / "shaanxi-2020_indicators.csv", dtype=str, keep_default_na=False)
    f = tmp_path / "xian-2024.csv"
    d[(d["year"] != "2024") | d["region"].str.startswith("6101")].to_csv(f, index=False)
    a = analysis("sensitivity")
    assert a.check(parameters(a, {"city": "宝鸡", "data": str(f)}, "zh"), "zh")["year"] == 2023
    assert a.check(parameters(a, {"city": "西安", "data": str(f)}, "zh"), "zh")["year"] == 2024
    with pytest.raises(AnalysisError, match="2024年没有任何县"):
        a.check(parameters(a, {"city": "宝鸡", "data": str(f), "year": 2024}, "zh"), "zh")
