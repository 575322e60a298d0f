"""Figures for the tariff engine: parsing a rate, laying it on a year, billing loads.

    python bench/bench_bill.py

Budget (DESIGN.md): a bill for one 8760 load <= 20 ms. Prints medians; not a test.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from omf_der import Calendar
from omf_der.resources import static_data_path
from omf_der.tariff import Tariff, bill
from timing import timed

SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference" / "bill_cases"




def rates() -> dict[str, dict]:
    out = {"example (tiers + TOU demand)": json.loads(static_data_path("example_residential_tariff.json").read_text())}
    for name in ("fpl_rs1_residential__tenX", "TODrate66a13566e90ecdb7d40581d2__tenX"):
        path = SHARED / name / "tariff.json"
        if path.is_file():
            out[name.split("__")[0]] = json.loads(path.read_text())
    return out


def main() -> None:
    rng = np.random.default_rng(0)
    loads = rng.gamma(2.0, 0.8, size=(1000, 8760))
    cal, cal15 = Calendar(2018), Calendar(2018, 4)
    load15 = np.repeat(loads[0], 4)
    for name, rate in rates().items():
        parse = timed(lambda: Tariff.from_urdb(rate))
        tariff = Tariff.from_urdb(rate)
        lay = timed(lambda: Tariff.from_urdb(rate).on(cal))
        window = timed(lambda: Tariff.from_urdb(rate).on(cal, "daily_window"))
        tariff.on(cal)
        one = timed(lambda: bill(tariff, loads[0], cal))
        cold = timed(lambda: bill(Tariff.from_urdb(rate), loads[0], cal))
        tariff.on(cal15)
        quarter = timed(lambda: bill(tariff, load15, cal15))
        t0 = time.perf_counter()
        for row in loads:
            bill(tariff, row, cal)
        many = time.perf_counter() - t0
        print(f"{name}:")
        print(f"  parse URDB record            {parse * 1e3:7.3f} ms")
        print(f"  lay on 2018 (monthly)        {lay * 1e3:7.3f} ms   (daily_window {window * 1e3:.3f} ms)")
        print(f"  bill one 8760 load           {one * 1e3:7.3f} ms   (from the raw record: {cold * 1e3:.3f} ms)")
        print(f"  bill one 35040 (15-min) load {quarter * 1e3:7.3f} ms")
        print(f"  bill 1,000 8760 loads        {many:7.3f} s    ({many:.3f} ms per load)")


if __name__ == "__main__":
    main()
