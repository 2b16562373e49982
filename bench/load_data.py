"""Bench: creditlab.load_data on large CSV files — rows per second and peak memory.

Cases (each run in a fresh process so that its peak memory, ``VmHWM``, is that case's alone):

- ``720k``: 3,000 synthetic regions × 5 years × 48 criteria of shaanxi-2020 (≈ 20 MB);
- ``50mb``: 6,500 regions × 5 years × 48 criteria with a short Chinese evidence text (≈ 50 MB,
  1.56 M rows): must load in under 30 s and 1 GB;
- ``1500-same``: one row repeated 1,500 times (the issue's example: 90 MB of messages before);
- ``50mb-same``: a 50 MB file of one row repeated (700 k identical rows): must fail in the same
  bounds with a short message (the old duplicate check was quadratic: MemoryError);
- ``50mb-garbage``: 1.5 M rows of random text, every cell different (the worst case for memory:
  nothing to share), rejected with a capped message.

Baselines doing the same work in the same run: creditlab's loaders as of git revisions (``--baseline``,
repeatable; extracted with ``git archive`` into a temporary folder, so the old code is kept exactly, not
re-typed): by default ``5c13382`` (before issue 16's changes) and ``5677afd`` (the per-row strip/parse version
that issue 16 measured: 7.9 M Python calls at 720k rows). Every run is a fresh process; the sides are
interleaved ``--repeat`` times and reported as min/median wall and CPU seconds. Each side pickles what it got
(the frame, or the error message, and the warnings), and the bench fails if a baseline's output differs from
the new one. ``--old-max-mb`` skips baselines on larger files (the per-row code needs minutes there).

    .venv/bin/python bench/load_data.py [--cases 720k,50mb,1500-same,50mb-same,50mb-garbage] [--repeat 3]
        [--baseline 5c13382 --baseline 5677afd]
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
CASES = {"720k": (3000, False, False), "50mb": (6500, True, False), "1500-same": (1500, True, True),
         "50mb-same": (700_000, True, True), "50mb-garbage": (1_500_000, True, None)}


def write_case(name: str, folder: Path) -> tuple[Path, list[str]]:
    """The CSV of one case and the region codes it uses (synthetic, passed as ``regions=``)."""
    import creditlab

    n, evidence, same = CASES[name]
    path = folder / f"{name}.csv"
    if same is None:
        rng = np.random.default_rng(0)
        pd.DataFrame({"region": rng.integers(100000, 999999, n).astype(str),
                      "year": rng.integers(1800, 2300, n).astype(str),
                      "criterion": np.char.add("X", rng.integers(0, 10**6, n).astype(str)),
                      "value": np.char.add("v", rng.integers(0, 10**9, n).astype(str)),
                      "evidence": "证据"}).to_csv(path, index=False)
        return path, []
    if same:
        line = "610303,2024,A1.1a,1,县信用办会议纪要第12号文件（2024年）\n"
        path.write_text("region,year,criterion,value,evidence\n" + line * n, encoding="utf-8")
        return path, ["610303"]
    ids = creditlab.load_rubric("shaanxi-2020").criteria["id"].to_numpy(object)
    regions = np.array([f"{100000 + i:06d}" for i in range(n)], dtype=object)
    years = np.arange(2020, 2025)
    reg = np.repeat(regions, len(years) * len(ids))
    yr = np.tile(np.repeat(years, len(ids)), n)
    crit = np.tile(ids, n * len(years))
    rng = np.random.default_rng(1)
    value = rng.integers(0, 2, len(reg)).astype(str)  # 0/1 fit every kind of criterion of shaanxi-2020
    frame = pd.DataFrame({"region": reg, "year": yr, "criterion": crit, "value": value,
                          "evidence": "会议纪要" if evidence else ""})
    frame.to_csv(path, index=False, encoding="utf-8")
    return path, list(regions)


def run_one(path: Path, regions: list[str], result: Path | None = None) -> dict:
    """Load one file in this process; wall and CPU seconds, rows, peak RSS (MB) and the error's size if any.
    ``result``: where to pickle what the load gave (frame or error message, and the warnings)."""
    import warnings

    import creditlab
    from creditlab.errors import DataError

    rub = creditlab.load_rubric("shaanxi-2020")
    start, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            frame, message = creditlab.load_data(path, rub, regions=regions), ""
        except DataError as exc:
            frame, message = None, str(exc)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    if result is not None:
        with open(result, "wb") as fh:
            pickle.dump((frame, message, None if frame is None else dict(frame.attrs)), fh)
    return {"seconds": round(seconds, 3), "cpu": round(cpu, 3), "rows": 0 if frame is None else len(frame),
            "peak_mb": round(peak_mb()), "message_bytes": len(message.encode("utf-8"))}


def peak_mb() -> float:
    """This process's peak resident memory: VmHWM (reset by exec, unlike ru_maxrss, which a child
    inherits from the parent it was forked from), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(path: Path, regions_file: Path, pythonpath: str, timeout: float, result: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": pythonpath}
    cmd = [sys.executable, __file__, "--one", str(path), "--regions-file", str(regions_file), "--result", str(result)]
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:g} s"}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["?"])[-1][:200]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def differences(a: Path, b: Path) -> tuple[str, str]:
    """What differs between two pickled results: (frames, texts); "" where identical. Frames: both loaded
    and equal (assert_frame_equal), or both rejected. Texts: the error message and the warnings."""
    import pandas as pd

    with open(a, "rb") as fa, open(b, "rb") as fb:
        (fa_, ma, wa), (fb_, mb, wb) = pickle.load(fa), pickle.load(fb)
    frames = ""
    if (fa_ is None) != (fb_ is None):
        frames = "one side rejected the file"
    elif fa_ is not None:
        try:
            pd.testing.assert_frame_equal(fa_, fb_)
        except AssertionError as exc:
            frames = f"different frames: {str(exc).splitlines()[0]}"
    texts = "different error messages" if ma != mb else "different warnings" if wa != wb else ""
    return frames, texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", default="720k,50mb,1500-same,50mb-same,50mb-garbage")
    ap.add_argument("--baseline", action="append", help="git revision of a baseline implementation (repeatable)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--old-max-mb", type=float, default=25)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--regions-file", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        regions = Path(args.regions_file).read_text(encoding="utf-8").split()
        print(json.dumps(run_one(Path(args.one), regions, Path(args.result) if args.result else None)))
        return
    baselines = args.baseline or ["5c13382", "5677afd"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sides = {"new": str(ROOT)}
        for rev in baselines:
            folder = tmp / f"rev-{rev}"
            folder.mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "creditlab", "data"],
                                     capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
            sides[rev] = str(folder)
        for name in args.cases.split(","):
            path, regions = write_case(name, tmp)
            regions_file = tmp / f"{name}.regions"
            regions_file.write_text("\n".join(regions), encoding="utf-8")
            mb = path.stat().st_size / 1e6
            runs = {k: v for k, v in sides.items() if k == "new" or mb <= args.old_max_mb}
            got: dict[str, list[dict]] = {k: [] for k in runs}
            for _ in range(args.repeat):  # interleaved: new, baseline(s), new, ...
                for side, pythonpath in runs.items():
                    got[side].append(measure(path, regions_file, pythonpath, args.timeout, tmp / f"{side}.pkl"))
            print(f"{name:10s} {mb:6.1f} MB", flush=True)
            for side, results in got.items():
                line = f"    {side:8s} {_fmt(results)}"
                if side != "new" and all("cpu" in r for r in results + got["new"]):
                    frames, texts = differences(tmp / "new.pkl", tmp / f"{side}.pkl")
                    # The frames must be identical to every baseline's; the messages and warnings to the first
                    # baseline's (the implementation replaced here; older ones worded some messages otherwise).
                    if frames or (texts and side == baselines[0]):
                        raise SystemExit(f"{name}: {side} and new differ: {frames or texts}")
                    ratio = min(r["seconds"] for r in results) / min(r["seconds"] for r in got["new"])
                    ratio_cpu = min(r["cpu"] for r in results) / min(r["cpu"] for r in got["new"])
                    same = "same frame, messages and warnings" if not texts else f"same frame ({texts}: older wording)"
                    line += f"  {same}; {side}/new ×{ratio:.1f} wall, ×{ratio_cpu:.1f} CPU"
                print(line, flush=True)
            for side in sides:
                if mb > args.old_max_mb and side != "new":
                    print(f"    {side:8s} skipped (> {args.old_max_mb:g} MB)")
            path.unlink()


def _fmt(results: list[dict]) -> str:
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        return errors[0]
    wall = [r["seconds"] for r in results]
    cpu = [r["cpu"] for r in results]
    r = results[-1]
    rate = f"{r['rows'] / min(wall):,.0f} rows/s" if r["rows"] else "rejected"
    msg = f", message {r['message_bytes']:,} B" if r["message_bytes"] else ""
    return (f"wall min {min(wall):.2f} s median {statistics.median(wall):.2f} s, CPU min {min(cpu):.2f} s, {rate}, "
            f"peak {max(x['peak_mb'] for x in results)} MB{msg}")


if __name__ == "__main__":
    main()
