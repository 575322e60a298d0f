#!/usr/bin/env python3
"""Regenerate the default example inputs in ``static_data/`` (see README.md beside this file).

    python static_data/make_defaults.py [--out DIR]

writes, byte for byte as committed:

* ``example_load_kw.csv`` — hourly household demand (kW) of ResStock building 0112631
  (single-family detached, Denver, CO) with its all-electric upgrade (``up11``: air-source heat
  pump, heat-pump water heater), simulated by NREL's OCHRE 0.9.2 at 15-minute steps with the
  building's own ResStock schedule and the Denver Intl. Airport TMY3 weather (after a 7-day
  warm-up), then averaged per hour;
* ``example_temperature_f.csv`` — hourly dry-bulb temperature (°F) of that same TMY3 EPW;
* ``example_residential_tariff.json`` — the URDB-format example rate of the derConsumer user
  documentation (tiered energy, weekday peak-hour demand charge), written out by this script;
* ``example_water_heater_random_numbers.csv`` — 50 x 3 water-heater random numbers drawn by
  :func:`omf_der.seeds.water_heater_random_numbers` from the seed below.

OCHRE pins NumPy 1.26 and PySAM < 7, which clash with this project's own environment, so the
simulation part runs in a separate virtual environment built from the exact versions in
``requirements-regen.txt`` (created on first use under ``.cache/regen-venv``; needs PyPI). All
inputs of the simulation come from the ``ochre-nrel`` wheel itself: no other download.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REQUIREMENTS = HERE / "requirements-regen.txt"
DEFAULT_VENV = ROOT / ".cache" / "regen-venv"

YEAR = 2018                  # the derConsumer default year; OCHRE's calendar starts on Jan 1
RANDOM_NUMBERS_SEED = 2018   # seed of the default water-heater random numbers
BUILDING = "bldg0112631"     # ResStock building shipped with OCHRE
UPGRADE = "up11"             # its all-electric upgrade (heat pump, heat-pump water heater)
WEATHER = "USA_CO_Denver.Intl.AP.725650_TMY3.epw"

FILES = {
    "load": "example_load_kw.csv",
    "temperature": "example_temperature_f.csv",
    "tariff": "example_residential_tariff.json",
    "random_numbers": "example_water_heater_random_numbers.csv",
}


# --------------------------------------------------------------------------- in this interpreter
def example_tariff() -> dict:
    """The derConsumer documentation's example rate, in URDB format.

    Energy: one period all year with three tiers — 0.02 $/kWh up to 100 kWh a month, 0.04 $/kWh
    up to 300 kWh, 0.12 $/kWh above (URDB ``max`` = cumulative monthly kWh). Period 0 (0 $/kWh)
    is unused. Demand: 5 $/kW on the month's highest kW during weekday hours 07-10 and 17-20
    (period 2); other hours period 1 at 0 $/kW; weekends all period 1.
    """
    peak_hours = set(range(7, 10)) | set(range(17, 20))
    weekday_demand = [2 if h in peak_hours else 1 for h in range(24)]
    return {
        "name": "Example residential rate (derConsumer documentation): tiered energy, weekday peak demand",
        "sector": "Residential",
        "energyratestructure": [
            [{"rate": 0, "unit": "kWh"}],
            [{"rate": 0.02, "max": 100, "unit": "kWh"},
             {"rate": 0.04, "max": 300, "unit": "kWh"},
             {"rate": 0.12, "unit": "kWh"}],
        ],
        "energyweekdayschedule": [[1] * 24 for _ in range(12)],
        "energyweekendschedule": [[1] * 24 for _ in range(12)],
        "demandratestructure": [
            [{"rate": 0, "unit": "kW"}],
            [{"rate": 0.0, "unit": "kW"}],
            [{"rate": 5.0, "unit": "kW"}],
        ],
        "demandweekdayschedule": [list(weekday_demand) for _ in range(12)],
        "demandweekendschedule": [[1] * 24 for _ in range(12)],
    }


def write_tariff_and_random_numbers(out: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from omf_der.seeds import format_water_heater_random_numbers, water_heater_random_numbers

    rows = [json.dumps(k) + ": " + json.dumps(v) for k, v in example_tariff().items()]
    (out / FILES["tariff"]).write_text("{\n  " + ",\n  ".join(rows) + "\n}\n", encoding="utf-8")
    numbers = water_heater_random_numbers(RANDOM_NUMBERS_SEED)
    (out / FILES["random_numbers"]).write_text(format_water_heater_random_numbers(numbers), encoding="utf-8")


# --------------------------------------------------------------------------- in the pinned venv
def write_simulation(out: Path) -> None:
    """Load and temperature (runs inside the pinned environment: OCHRE, pvlib)."""
    import datetime as dt

    import ochre
    import pvlib
    from ochre import Dwelling

    defaults = Path(ochre.__file__).resolve().parent / "defaults"
    inputs = defaults / "Input Files"
    epw = defaults / "Weather" / WEATHER

    weather, _ = pvlib.iotools.read_epw(epw)
    temp_f = weather["temp_air"].to_numpy() * 1.8 + 32.0
    assert len(temp_f) == 8760
    (out / FILES["temperature"]).write_text("".join(f"{t:.2f}\n" for t in temp_f), encoding="utf-8")

    house = Dwelling(
        name=BUILDING,
        start_time=dt.datetime(YEAR, 1, 1),
        time_res=dt.timedelta(minutes=15),
        duration=dt.timedelta(days=365),
        initialization_time=dt.timedelta(days=7),  # warm the building up before Jan 1 00:00
        hpxml_file=str(inputs / f"{BUILDING}-{UPGRADE}.xml"),
        hpxml_schedule_file=str(inputs / f"{BUILDING}_schedule.csv"),
        weather_file=str(epw),
        seed=1,
        verbosity=1,
        save_results=False,
    )
    df, _, _ = house.simulate()
    quarter_hours = df["Total Electric Power (kW)"].to_numpy()
    assert len(quarter_hours) == 4 * 8760, len(quarter_hours)
    hourly = quarter_hours.reshape(8760, 4).mean(axis=1)
    (out / FILES["load"]).write_text("".join(f"{kw:.3f}\n" for kw in hourly), encoding="utf-8")


def ensure_venv(path: Path) -> Path:
    """The pinned environment, (re)built when requirements-regen.txt changed."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    stamp = path / ".requirements-sha256"
    python = path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not (stamp.is_file() and stamp.read_text() == digest and python.exists()):
        print(f"building the pinned environment in {path} (one time, a few minutes)", file=sys.stderr)
        venv.EnvBuilder(clear=True, with_pip=True).create(path)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "--no-deps", "-r", str(REQUIREMENTS)], check=True)
        stamp.write_text(digest)
    return python


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE, help="folder to write the files to (default: static_data/)")
    ap.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="pinned environment for the simulation")
    ap.add_argument("--part", choices=("all", "simulation", "local"), default="all",
                    help="all (default); simulation = load and temperature only (inside the pinned "
                         "environment); local = tariff and random numbers only")
    args = ap.parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    if args.part == "simulation":
        write_simulation(out)
        return 0
    write_tariff_and_random_numbers(out)
    if args.part == "all":
        python = ensure_venv(args.venv.resolve())
        env = {**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
        subprocess.run([str(python), str(Path(__file__).resolve()), "--part", "simulation", "--out", str(out)],
                       check=True, env=env)
    for name in FILES.values():
        print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
