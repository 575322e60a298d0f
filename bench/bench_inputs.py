"""Figures for the input layer: how long parsing and validating a run's inputs takes.

    python bench/bench_inputs.py

Prints the median of several repetitions (seconds, milliseconds where small). Not a test.
"""

from __future__ import annotations

import subprocess
import sys
import time

from timing import timed

from omf_der.calendar import Calendar
from omf_der.inputs import FIELDS, Inputs
from omf_der.readers import read_series, read_temperature_f
from omf_der.resources import DEFAULT_FILES, read_static_bytes




def main() -> None:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import omf_der.inputs"], check=True)
    print(f"python -c 'import omf_der.inputs' (whole process): {time.perf_counter() - t0:.3f} s")

    load_csv = read_static_bytes(DEFAULT_FILES["demand_curve_kw"])
    temp_csv = read_static_bytes(DEFAULT_FILES["temperature_curve_f"])
    defaults = Inputs.defaults()
    form = {n: str(defaults[n]) for n, f in FIELDS.items() if not f.is_file}
    form.update({n: ("Yes" if defaults[n] else "No") for n, f in FIELDS.items() if f.kind == "boolean"})
    files = {"demand_curve_kw": ("load.csv", load_csv), "temperature_curve_f": ("temp.csv", temp_csv)}
    doc = defaults.to_json_dict()

    rows = [
        ("read_series, 8760-line CSV", lambda: read_series(load_csv, "x")),
        ("read_temperature_f, 8760-line CSV", lambda: read_temperature_f(temp_csv)),
        ("Calendar(2018) + month/hour/weekday arrays", lambda: _calendar(1)),
        ("Calendar(2024, 4 per hour) + arrays", lambda: _calendar(4)),
        ("Inputs.from_dict(defaults as JSON lists)", lambda: Inputs.from_dict(doc)),
        ("Inputs.from_form(strings + 2 CSV uploads)", lambda: Inputs.from_form(form, files)),
    ]
    for label, fn in rows:
        print(f"{label:<48} {timed(fn) * 1000:8.2f} ms")


def _calendar(sph: int) -> None:
    cal = Calendar(2024 if sph == 4 else 2018, sph)
    cal.month, cal.hour, cal.weekday, cal.is_weekend, cal.month_starts  # noqa: B018


if __name__ == "__main__":
    main()
