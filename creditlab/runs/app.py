"""``creditlab app``: the scenario explorer and the rubric browser as web pages without code (Voilà).

Voilà runs the notebooks of ``notebooks/`` in a kernel each and shows only their outputs and widgets
(``strip_sources``). The server binds 127.0.0.1 only, with a random token in the printed address, on a free
port or the one given; the ``creditlab`` template is Voilà's lab template without its CDN stylesheets, and
plotly.js is served from the template's static folder (a copy of the installed plotly's, staged in a
temporary JUPYTER_PATH for the server's life), so nothing is fetched from the network. The explorer draws
its charts with that plotly.js (``$CREDITLAB_PLOTLY_JS``, see :mod:`creditlab.views.scenario_explorer`).
The interface language goes to the kernels as ``$CREDITLAB_LANG``
(the notebooks' ``LANGUAGE = ""`` reads it). Ctrl-C (or SIGTERM) stops Voilà, which shuts its kernels down.
"""
from __future__ import annotations

import argparse
import errno
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..core.errors import CreditlabError
from ..core.i18n import tr
from ..core.paths import PROJECT_ROOT
from ..core.problems import LANG_ENV, default_lang
from ..views.figures import PLOTLY_JS, copy_plotly_js
from ..views.scenario_explorer import PLOTLY_URL_ENV

HOST = "127.0.0.1"
TEMPLATE = "creditlab"
CULL_IDLE_S = 600  # seconds a kernel with no page connected may stay idle
SHARE = Path(__file__).resolve().parent / "app_share"   # holds voila/templates/creditlab (on JUPYTER_PATH)
NOTEBOOKS = PROJECT_ROOT / "notebooks"
PAGES = {"explorer": "02_scenario_explorer.ipynb", "rubrics": "01_rubric_browser.ipynb"}
STOP_TIMEOUT = 15  # seconds Voilà gets to shut its kernels down before it is killed


class AppError(CreditlabError):
    """The app cannot start (port taken, notebooks missing, …); the message says which and why."""


def free_port(host: str = HOST) -> int:
    """A port nobody listens on now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def check_port(port: int, lang: str = "zh", host: str = HOST) -> int:
    """``port`` if it can be bound on ``host``; else :class:`AppError` (Voilà would quietly move to another)."""
    if not 0 < port < 65536:
        raise AppError(tr(f"端口 {port} 无效（应为1–65535）", f"port {port} is not valid (1–65535)", lang))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError as exc:
            why = tr("已被占用", "is in use", lang) if exc.errno == errno.EADDRINUSE else exc.strerror
            raise AppError(tr(f"无法使用端口 {port}：{why}；换一个端口（--port）或不指定端口",
                              f"cannot use port {port}: {why}; give another --port or none", lang)) from None
    return port


@dataclass(frozen=True)
class AppConfig:
    """Everything the Voilà process needs: where, who may connect, which notebooks and language."""

    port: int
    token: str = field(repr=False)
    lang: str = "zh"
    notebooks: Path = NOTEBOOKS
    host: str = HOST
    share: Path = SHARE   # the JUPYTER_PATH entry holding voila/templates/creditlab (staged by serve())

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def url(self, page: str | None = None) -> str:
        """The address to open, with the token (``page``: a key of :data:`PAGES`; None: the list of pages)."""
        path = f"voila/render/{PAGES[page]}" if page else ""
        return f"{self.base_url}{path}?token={self.token}"

    def command(self) -> list[str]:
        """The Voilà command line: 127.0.0.1 only, this port and no other, token, no code, no browser."""
        return [
            sys.executable, "-m", "voila", str(self.notebooks),
            "--no-browser", f"--Voila.ip={self.host}", f"--port={self.port}", "--Voila.port_retries=0",
            f"--token={self.token}", f"--template={TEMPLATE}", "--strip_sources=True", "--theme=light",
            "--VoilaConfiguration.show_tracebacks=False",
            # A closed tab's request to stop its kernel is refused by the server's XSRF check (voila issue
            # #1458): kernels no page is connected to any more are stopped after 10 idle minutes instead, so a
            # day of opened pages does not keep a kernel each; a page still open keeps its own.
            "--MappingKernelManager.cull_interval=60", f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_S}",
            "--MappingKernelManager.cull_connected=False",
        ]

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """The server's (and so its kernels') environment: the template on JUPYTER_PATH, the language."""
        env = dict(os.environ if base is None else base)
        env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(self.share), env.get("JUPYTER_PATH", "")) if p)
        env[LANG_ENV] = self.lang
        env[PLOTLY_URL_ENV] = f"/voila/static/{PLOTLY_JS}"  # the template's static folder, below
        # The kernels import this creditlab (a worktree or an installed copy alike).
        root = str(PROJECT_ROOT)
        paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        env["PYTHONPATH"] = os.pathsep.join(paths if root in paths else [root, *paths])
        return env


def configure(port: int | None = None, lang: str | None = None, notebooks: Path = NOTEBOOKS) -> AppConfig:
    """Check the port (or pick a free one), make a token and check the notebooks are there."""
    lang = lang or default_lang()
    missing = [n for n in PAGES.values() if not (notebooks / n).is_file()]
    if missing:
        raise AppError(tr(f"找不到笔记本：{', '.join(str(notebooks / n) for n in missing)}",
                          f"notebook(s) not found: {', '.join(str(notebooks / n) for n in missing)}", lang))
    port = free_port() if port is None else check_port(port, lang)
    return AppConfig(port=port, token=secrets.token_urlsafe(24), lang=lang, notebooks=notebooks)


def banner(cfg: AppConfig) -> str:
    """What the command prints: the addresses to open (with the token) and how to stop."""
    t = lambda zh, en: tr(zh, en, cfg.lang)  # noqa: E731
    return "\n".join([
        t("creditlab 应用已启动（仅本机可访问）：", "creditlab app is running (this machine only):"),
        f"  {t('权重方案探索', 'scenario explorer')}: {cfg.url('explorer')}",
        f"  {t('评估标准浏览', 'rubric browser')}:   {cfg.url('rubrics')}",
        f"  {t('页面列表', 'all pages')}:        {cfg.url()}",
        t("按 Ctrl-C 停止。", "Press Ctrl-C to stop."),
    ])


def stop(proc: subprocess.Popen, timeout: float = STOP_TIMEOUT) -> int:
    """Ask Voilà to stop (SIGTERM: it shuts its kernels down), kill it if it does not within ``timeout``."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM to ``creditlab app`` stops it as Ctrl-C does (Voilà stopped, not orphaned)."""
    raise KeyboardInterrupt


def stage_share(folder: Path) -> Path:
    """``folder`` made a JUPYTER_PATH entry: the creditlab template, with the installed plotly.min.js in its
    static folder (Voilà serves a template's ``static/`` at ``/voila/static/``)."""
    shutil.copytree(SHARE / "voila", folder / "voila", dirs_exist_ok=True)
    copy_plotly_js(folder / "voila" / "templates" / TEMPLATE / "static")
    return folder


def serve(cfg: AppConfig) -> int:
    """Run Voilà until it ends or Ctrl-C; returns its exit code (0 after Ctrl-C)."""
    with tempfile.TemporaryDirectory(prefix="creditlab-app-") as tmp:
        return _serve(replace(cfg, share=stage_share(Path(tmp))))


def _serve(cfg: AppConfig) -> int:
    proc = subprocess.Popen(cfg.command(), env=cfg.env(), cwd=str(cfg.notebooks))
    print(banner(cfg), flush=True)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        # Ctrl-C reaches Voilà too (same process group); stop() makes sure it is gone either way.
        stop(proc)
        print(tr("已停止。", "stopped.", cfg.lang), flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def cli_app(args: argparse.Namespace) -> int:
    """``creditlab app [--port N] [--lang zh|en]``."""
    return serve(configure(args.port, args.lang))
