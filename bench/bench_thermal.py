"""Figures for the thermal dispatch: AC/HP bounds and each device's PuLP LP (build + HiGHS solve).

    python bench/bench_thermal.py

Uses the example load, temperature and tariff with the reference's default device parameters,
dispatched in priority order WH > AC > HP. Prints figures; not a test. Water-heater bounds have
their own script, bench_water_heater.py.
"""

from __future__ import annotations

import json
import resource
import time

import numpy as np

from omf_der import Calendar
from omf_der.resources import static_data_path
from omf_der.tariff import Tariff
from omf_der.thermal import dispatch_in_priority, thermostatic_bounds, water_heater_bounds
from timing import timed

YEAR = 2018


def main() -> None:
    outdoor_c = (np.loadtxt(static_data_path("example_temperature_f.csv")) - 32) * 5 / 9
    load = np.loadtxt(static_data_path("example_load_kw.csv"))
    tariff = Tariff.from_urdb(json.loads(static_data_path("example_residential_tariff.json").read_text()))
    ac_inputs = dict(capacitance_kwh_per_c=2.0, resistance_c_per_kw=2.0, power_kw=5.6, cop=2.5,
                     setpoint_c=(72.5 - 32) * 5 / 9, deadband_c=2 / 1.8)
    hp_inputs = dict(ac_inputs, cop=3.5, setpoint_c=(67 - 32) * 5 / 9)
    seconds = timed(lambda: thermostatic_bounds("ac", outdoor_c, **ac_inputs))
    print(f"AC bounds (8760 h): {seconds * 1000:.2f} ms")
    devices = {"ac": thermostatic_bounds("ac", outdoor_c, **ac_inputs),
               "hp": thermostatic_bounds("hp", outdoor_c, **hp_inputs)}
    devices["wh"] = water_heater_bounds(outdoor_c, 20.0, seed=1).as_device()
    for method in ("monthly", "daily_window"):
        series = tariff.on(Calendar(YEAR), method)
        for objective in ("bill", "monthly_peak"):
            t0 = time.perf_counter()
            result = dispatch_in_priority(devices, load, series, {"wh": 1, "ac": 2, "hp": 3}, objective=objective)
            total = time.perf_counter() - t0
            parts = ", ".join(f"{k} {v.seconds:.2f} s" for k, v in result.items())
            print(f"dispatch WH > AC > HP, demand {method}, objective {objective}: {parts}; total {total:.2f} s")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
