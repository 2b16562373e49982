"""``creditlab app`` for real: the Voilà server started as a subprocess on 127.0.0.1, driven by Playwright on
Debian's chromium (never a downloaded browser), stopped by its PID.

A slider is dragged as a person would and the verdict table and the score chart must change; the charts must
draw inside Voilà (Plotly.react into divs that stay in the page, plotly.js served by the app itself) with
nothing fetched from the network. Skipped when chromium is absent, except in CI.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from creditlab.runs import app
from helpers import ROOT

CHROMIUM = Path("/usr/lib/chromium/chromium")
START_TIMEOUT = 90      # seconds for the server to answer (2 busy cores)
PAGE_TIMEOUT = 180_000  # ms for a page's kernel to start and its charts to draw
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-quic"]


def _need_browser() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (make browser installs it)")
        pytest.skip("chromium is not installed (make browser installs it)")


def test_config_binds_localhost_with_a_token_and_the_language(tmp_path: Path) -> None:
    cfg = app.configure(lang="en")
    cmd = cfg.command()
    assert "--Voila.ip=127.0.0.1" in cmd and f"--port={cfg.port}" in cmd and "--Voila.port_retries=0" in cmd
    assert f"--token={cfg.token}" in cmd and len(cfg.token) >= 24 and "--template=creditlab" in cmd
    assert cfg.url("explorer") == (f"http://127.0.0.1:{cfg.port}/voila/render/02_scenario_explorer.ipynb"
                                   f"?token={cfg.token}")
    env = cfg.env({"PATH": "/bin"})
    assert env["CREDITLAB_LANG"] == "en" and env["JUPYTER_PATH"].split(os.pathsep)[0] == str(app.SHARE)
    assert (app.SHARE / "voila" / "templates" / "creditlab" / "index.html.j2").is_file()
    assert app.configure().token != cfg.token
    assert "Ctrl-C" in app.banner(cfg) and cfg.token in app.banner(cfg)
    assert "--MappingKernelManager.cull_connected=False" in cmd  # only kernels no page is connected to


def test_a_port_in_use_is_a_clear_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(app.AppError, match=f"无法使用端口 {port}：已被占用"):
            app.configure(port)
        with pytest.raises(app.AppError, match=f"cannot use port {port}: is in use"):
            app.configure(port, "en")
    out = subprocess.run([sys.executable, "-m", "creditlab.cli", "app", "--port", "0"], capture_output=True,
                         text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 2 and "端口 0 无效" in out.stderr and "Traceback" not in out.stderr


def _wait_for(url: str, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """``creditlab app --port <free>`` in its own process group; its printed addresses."""
    _need_browser()
    port = app.free_port()
    log = tmp_path_factory.mktemp("app") / "app.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CREDITLAB_LANG": "zh"}
    with log.open("w") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "creditlab.cli", "app", "--port", str(port)], env=env,
                                stdout=sink, stderr=subprocess.STDOUT, start_new_session=True, cwd=str(ROOT))
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while "Ctrl-C" not in log.read_text() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        text = log.read_text()
        urls = dict(zip(("explorer", "rubrics"), re.findall(r"http://127\.0\.0\.1:\d+/voila/render/\S+", text),
                        strict=False))
        assert len(urls) == 2, text
        assert _wait_for(f"http://127.0.0.1:{port}/", START_TIMEOUT) in (200, 302, 403), log.read_text()
        yield {**urls, "port": str(port), "log": str(log), "pid": str(proc.pid)}
    finally:
        # Stop it by its PID: SIGTERM to the process group (creditlab app and Voilà), then wait.
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def browser(server: dict[str, str], tmp_path_factory: pytest.TempPathFactory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


def _open(browser, url: str, charts: int):
    """A page at ``url`` once ``charts`` plotly charts are drawn; requests that left 127.0.0.1 are recorded."""
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.outside = []
    page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
            else page.outside.append(r.url))
    page.goto(url, timeout=PAGE_TIMEOUT)
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}",
                           timeout=PAGE_TIMEOUT)
    return page


def test_the_token_is_required(server: dict[str, str]) -> None:
    """Without the token the page is Jupyter's login form, not the explorer."""
    plain = server["explorer"].split("?")[0]
    try:
        with urllib.request.urlopen(plain, timeout=60) as r:
            final, body = r.geturl(), r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        assert exc.code in (401, 403)
        return
    assert "/login" in final and "password_input" in body and "ScenarioExplorer" not in body


SCORE = "document.querySelector('[id^=creditlab-score]')"
SCORE_X = f"""() => JSON.stringify({SCORE}.data.filter(t => t.type === 'bar').map(t => [t.name, t.x]))"""
# The moment the slider is released, and the moment the score chart has been redrawn (performance.now()).
WATCH = f"""() => {{ window.__released = null; window.__drawn = null;
  document.addEventListener('pointerup', () => {{ window.__released = performance.now(); }}, true);
  {SCORE}.on('plotly_afterplot', () => {{
    if (window.__released !== null && window.__drawn === null) window.__drawn = performance.now(); }}); }}"""


def test_explorer_moves_a_slider_and_redraws(server: dict[str, str], browser) -> None:
    page = _open(browser, server["explorer"], 2)
    try:
        assert not page.outside, page.outside  # offline: no CDN, no fonts from the web
        body = page.inner_text("body")
        assert "RUBRIC" not in body and "from creditlab" not in body  # no code shown
        assert "模拟数据" in body                                      # the synthetic-data banner
        names = page.evaluate("() => Array.from(document.querySelectorAll('.creditlab-names span'))"
                              ".map(t => t.textContent)")
        assert "淳化县" in names and len(names) == 115  # counties by name beside the score chart's bars
        sentence = page.locator("text=/个地区的认定结果改变/").first.inner_text()
        assert "0个地区的认定结果改变" in sentence
        before = page.evaluate(SCORE_X)
        page.evaluate(WATCH)
        # Drag C1's handle to the left end of its track, as a person would.
        row = page.locator(".widget-hbox", has_text="C1 ").first
        handle = row.locator(".noUi-handle")
        track = row.locator(".noUi-target").bounding_box()
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(track["x"] - 20, box["y"] + box["height"] / 2, steps=8)
        page.mouse.up()
        page.wait_for_function("window.__drawn !== null", timeout=60_000)
        page.wait_for_function(f"({SCORE_X})() !== {json.dumps(before)}", timeout=60_000)
        assert page.locator("input[type=number]").nth(10).input_value() == "0"  # C1's typed box follows
        after = page.evaluate(SCORE_X)
        assert after != before
        changed = page.locator("text=/个地区的认定结果改变/").first.inner_text()
        assert changed != sentence and "0个地区的认定结果改变" not in changed
        assert page.locator("table.cl tbody tr").count() >= 1  # the verdicts that change, by name
        first_bar = page.locator("[id^=creditlab-score] .bars .point path").first
        first_bar.scroll_into_view_if_needed()
        bar = first_bar.bounding_box()
        page.mouse.move(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2)  # plotly's drag layer is on top
        page.wait_for_selector("[id^=creditlab-score] .hoverlayer .hovertext", timeout=20_000)
        tip = page.locator("[id^=creditlab-score] .hoverlayer .hovertext").first.text_content()
        assert names[0] in tip and "分" in tip and "现行" in tip  # the hover names the county and its ranks
        ms = page.evaluate("window.__drawn - window.__released")
        print(f"slider release → redrawn chart: {ms:.0f} ms")
        assert ms > 0
    finally:
        page.close()


def test_rubric_browser_draws_without_code(server: dict[str, str], browser) -> None:
    page = _open(browser, server["rubrics"], 2)
    try:
        assert not page.outside, page.outside
        body = page.inner_text("body")
        assert "RUBRIC" not in body and "import" not in body
        assert "★" in body  # mandatory rows marked in the table
        assert "5.000000" not in body
    finally:
        page.close()
    # A closed tab cannot stop its kernel (Voilà's shutdown request fails the XSRF check): the server culls
    # kernels left without a page instead, which it says once a kernel has started.
    assert f"Culling kernels with idle durations > {app.CULL_IDLE_S} seconds" in Path(server["log"]).read_text()


def test_ctrl_c_stops_the_server_and_its_kernels(server: dict[str, str]) -> None:
    """Ctrl-C in a terminal is SIGINT to the foreground process group: the app stops Voilà and says so."""
    pid = int(server["pid"])
    os.killpg(pid, signal.SIGINT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "已停止" not in Path(server["log"]).read_text():
        time.sleep(0.3)
    log = Path(server["log"]).read_text()
    assert "已停止" in log and "Traceback" not in log, log[-2000:]
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{server['port']}/", timeout=5)
