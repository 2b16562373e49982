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

``--compare REV`` also runs the cases against creditlab as of git revision REV (extracted with
``git archive`` into a temporary folder), and prints the ratio; ``--old-max-mb`` skips old runs on
files larger than that (the old code needs tens of minutes or runs out of memory on hostile input).

    .venv/bin/python bench/load_data.py [--cases 720k,50mb,1500-same,50mb-same,50mb-garbage] [--compare b4a0f8f]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
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


def run_one(path: Path, regions: list[str]) -> dict:
    """Load one file in this process; seconds, rows, peak RSS (MB) and the error's size if any."""
    import creditlab
    from creditlab.errors import DataError

    rub = creditlab.load_rubric("shaanxi-2020")
    start = time.perf_counter()
    try:
        rows = len(creditlab.load_data(path, rub, regions=regions))
        message = 0
    except DataError as exc:
        rows, message = 0, len(str(exc).encode("utf-8"))
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 2), "rows": rows, "peak_mb": round(peak_mb()), "message_bytes": message}


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


def measure(path: Path, regions_file: Path, pythonpath: str, timeout: float) -> dict:
    env = {**os.environ, "PYTHONPATH": pythonpath}
    cmd = [sys.executable, __file__, "--one", str(path), "--regions-file", str(regions_file)]
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:g} s"}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["?"])[-1][:200]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", default="720k,50mb,1500-same,50mb-same,50mb-garbage")
    ap.add_argument("--compare", help="git revision of the old implementation")
    ap.add_argument("--old-max-mb", type=float, default=25)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--regions-file", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        regions = Path(args.regions_file).read_text(encoding="utf-8").split()
        print(json.dumps(run_one(Path(args.one), regions)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        old = None
        if args.compare:
            old = tmp / "old"
            old.mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.compare, "creditlab", "data"],
                                     capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        for name in args.cases.split(","):
            path, regions = write_case(name, tmp)
            regions_file = tmp / f"{name}.regions"
            regions_file.write_text("\n".join(regions), encoding="utf-8")
            mb = path.stat().st_size / 1e6
            new = measure(path, regions_file, str(ROOT), args.timeout)
            line = f"{name:10s} {mb:6.1f} MB  new: {_fmt(new)}"
            if old is not None:
                if mb <= args.old_max_mb:
                    was = measure(path, regions_file, str(old), args.timeout)
                    line += f"  old: {_fmt(was)}"
                    if "seconds" in was and "seconds" in new and new["seconds"]:
                        line += f"  speed-up ×{was['seconds'] / new['seconds']:.1f}"
                else:
                    line += f"  old: skipped (> {args.old_max_mb:g} MB)"
            print(line, flush=True)
            path.unlink()


def _fmt(r: dict) -> str:
    if "error" in r:
        return r["error"]
    rate = f"{r['rows'] / r['seconds']:,.0f} rows/s" if r["rows"] and r["seconds"] else "rejected"
    msg = f", message {r['message_bytes']:,} B" if r["message_bytes"] else ""
    return f"{r['seconds']:.1f} s, {rate}, peak {r['peak_mb']} MB{msg}"


if __name__ == "__main__":
    main()
