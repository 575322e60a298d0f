"""Whole-process wall time and peak memory of ``omf-der run`` (budgets: default derConsumer run
<= 3 s and <= 500 MB; with the generator <= 5 s), with the run's own step times.

    python bench/bench_run.py [repeats]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = {
    "derConsumer defaults (BESS + AC + HP + WH)": ("derConsumer", {}),
    "derConsumer + diesel generator": ("derConsumer", {"enable_generator": True}),
    "derConsumer, all devices off": ("derConsumer", {"enable_bess": False, "enable_ac": False, "enable_hp": False,
                                                     "enable_wh": False}),
    "vbatDispatch defaults (1 air conditioner)": ("vbatDispatch", {}),
    "vbatDispatch, 1 water heater": ("vbatDispatch", {"device_type": "wh", "power_kw": 4.5,
                                                      "capacitance_kwh_per_c": 0.4, "resistance_c_per_kw": 120.0,
                                                      "setpoint_f": 125.0, "deadband_f": 5.4}),
}


def run_once(model: str, inputs: dict, tmp: Path) -> tuple[float, float, dict]:
    """(wall seconds, peak RSS MB, timings.json) of one ``omf-der run`` process."""
    path = tmp / "inputs.json"
    path.write_text(json.dumps(inputs))
    out = tmp / "run"
    cmd = [sys.executable, "-m", "omf_der", "run", "--quiet", "--model", model, "--inputs", str(path),
           "--out", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{model} {inputs}: exit {proc.returncode}: {proc.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024, json.loads((out / "timings.json").read_text())


def _rounded(obj):
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    return round(obj, 3) if isinstance(obj, float) else obj


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    print(f"omf-der run, whole process, median of {repeats} (peak memory: the largest)")
    print(f"{'case':46s} {'wall s':>7s} {'peak MB':>8s} {'in-run s':>9s}  steps (s from start)")
    for name, (model, inputs) in CASES.items():
        walls, peaks, runs = [], [], []
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(repeats):
                wall, peak, timings = run_once(model, inputs, Path(tmp))
                walls.append(wall)
                peaks.append(peak)
                runs.append(timings)
        median = statistics.median(walls)
        t = runs[walls.index(sorted(walls)[len(walls) // 2])]
        steps = " ".join(f"{k}@{v:.2f}" for k, v in t["steps"].items())
        print(f"{name:46s} {median:7.2f} {max(peaks):8.0f} {t['total_seconds']:9.2f}  {steps}")
        detail = {k: v for k, v in t.items() if k not in ("steps", "total_seconds")}
        print(f"{'':46s} {json.dumps(_rounded(detail))}")


if __name__ == "__main__":
    main()
