"""Figures for the MILP core: model build and HiGHS solve seconds, whole-process time, memory.

    python bench/bench_milp.py

Budget (issue 4): a fixed-size battery for a full year <= 1.5 s for the whole process (Python
start, imports, reading the scenario, both solves, writing results) on the 2-core machine.
Prints figures; not a test. Scenarios are written to a temporary folder and solved once each
in a fresh process by ``omf-der reopt`` (for the whole-process time) and in this process (for the
build and solve split).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from omf_der import Calendar
from omf_der.milp import run
from omf_der.resources import static_data_path

YEAR = 2018
LOAD = np.loadtxt(static_data_path("example_load_kw.csv"))
TARIFF = json.loads(static_data_path("example_residential_tariff.json").read_text())
CONSUMER_SHARE = 0.8            # derConsumer default: 20 % of the battery reserved for the utility
FREE = {"installed_cost_per_kw": 0, "installed_cost_per_kwh": 0, "installed_cost_constant": 0,
        "macrs_option_years": 0, "total_itc_fraction": 0}


def pv_production_factor() -> np.ndarray:
    """Clear-sky production of a south-facing 40-degree array near Denver, kW per kW (a bench
    stand-in for PVWatts: pvlib clear-sky irradiance x 0.86 for losses)."""
    import pandas as pd
    from pvlib.location import Location

    cal = Calendar(YEAR)
    times = pd.DatetimeIndex(cal.timestamps).tz_localize("Etc/GMT+7") + pd.Timedelta(minutes=30)
    site = Location(39.97, -104.81, "Etc/GMT+7", 1600)
    sky = site.get_clearsky(times)
    sun = site.get_solarposition(times)
    from pvlib.irradiance import get_total_irradiance

    poa = get_total_irradiance(40, 180, sun["apparent_zenith"], sun["azimuth"], sky["dni"], sky["ghi"], sky["dhi"])
    return np.clip(poa["poa_global"].to_numpy() / 1000 * 0.86, 0, 1)


def scenarios() -> dict[str, dict]:
    base = {"ElectricLoad": {"loads_kw": LOAD.tolist(), "year": YEAR},
            "ElectricTariff": {"urdb_response": TARIFF}, "Financial": {"analysis_years": 25}}
    kw, kwh = 5.0 * CONSUMER_SHARE, 13.5 * CONSUMER_SHARE
    battery = {"min_kw": kw, "max_kw": kw, "min_kwh": kwh, "max_kwh": kwh, **FREE}
    diesel = {"existing_kw": 5.0, "max_kw": 0.0, "only_runs_during_grid_outage": False,
              "fuel_avail_gal": 1000.0, "fuel_cost_per_gallon": 3.80,
              "electric_efficiency_full_load": 0.35, "fuel_higher_heating_value_kwh_per_gal": 137381 / 3412.14}
    out = {
        "battery 4 kW / 10.8 kWh (derConsumer default)": {**base, "ElectricStorage": battery},
        "battery + 5 kW diesel generator": {**base, "ElectricStorage": battery, "Generator": diesel},
    }
    try:
        pv = pv_production_factor()
    except ImportError:
        print("(pvlib not installed: skipping the PV sizing case)")
    else:
        out["battery and PV sizing (REopt costs)"] = {
            **base, "PV": {"max_kw": 10.0, "production_factor_series": pv.tolist()},
            "ElectricStorage": {"max_kw": 10.0, "max_kwh": 40.0, "installed_cost_constant": 0}}
    out["battery, generator at 30 % minimum turndown (MIP)"] = {
        **base, "ElectricStorage": battery, "Generator": {**diesel, "min_turn_down_fraction": 0.3}}
    return out


def main() -> None:
    print(f"{'scenario':52s} {'build s':>8s} {'solve s':>8s} {'BAU s':>7s} {'process s':>10s} "
          f"{'cols':>7s} {'rows':>7s} {'ints':>6s}  status")
    with tempfile.TemporaryDirectory() as tmp:
        for name, sc in scenarios().items():
            path = Path(tmp) / "scenario.json"
            path.write_text(json.dumps(sc))
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "omf_der", "reopt", str(path), "-o", str(Path(tmp) / "r.json")],
                                  capture_output=True, text=True)
            process = time.perf_counter() - t0
            if proc.returncode:
                print(name, "failed:", proc.stderr.strip())
                continue
            r = run(sc)["Solver"]
            bau = r["bau"]["build_seconds"] + r["bau"]["solve_seconds"]
            print(f"{name:52s} {r['build_seconds']:8.3f} {r['solve_seconds']:8.2f} {bau:7.2f} {process:10.2f} "
                  f"{r['columns']:7d} {r['rows']:7d} {r['integer_columns']:6d}  {r['status']}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: this process {peak_mb:.0f} MB, largest omf-der reopt process {peak_child_mb:.0f} MB")


if __name__ == "__main__":
    main()
