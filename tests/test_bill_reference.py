"""The bill engine against independent references.

Reference sources, one per comparison:

* ``../shared/reference/bill_cases`` -- nine URDB tariff x load cases whose ``expected.json`` was
  computed with NREL PySAM ``Utilityrate5`` (README there: conventions and tolerance).
* ``pysam_ref.py`` -- the same PySAM model run here, on extra tariffs written below; it can only
  bill a 365-day year that starts on a Monday (2018).
* ``naive_bill.py`` -- a loop-per-step formulation from the URDB documentation with Python
  ``datetime``; it bills any year, so it is the reference for leap years and other weekdays.
* Hand calculations -- ``$/day`` fixed charges (days x rate; PySAM charges 365/12 days a month)
  and a one-hour load on February 29.

The first two references are checked against the shared cases, so a failure of the engine
against them points at the engine.
"""

from __future__ import annotations

import calendar
import copy
import functools
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bill_shape import MONTHS, assert_bills_match, bill_dict
from conftest import SHARED
from naive_bill import naive_bill
from omf_der import Calendar
from pysam_ref import PYSAM_YEAR, pysam_bill

BILL_CASES = SHARED / "reference" / "bill_cases"


# ----------------------------------------------------------------------------- shared cases
def _case_dirs() -> list[Path]:
    return sorted(p for p in BILL_CASES.glob("*__*") if (p / "expected.json").is_file())


@functools.lru_cache(maxsize=None)
def shared_case(name: str) -> tuple[dict, np.ndarray, dict]:
    """``(tariff, load_kw, expected)`` of one shared bill case."""
    folder = BILL_CASES / name
    tariff = json.loads((folder / "tariff.json").read_text())
    expected = json.loads((folder / "expected.json").read_text())
    load = np.loadtxt(folder / "load.csv")
    load.flags.writeable = False
    return tariff, load, expected


SHARED_CASES = [p.name for p in _case_dirs()]


# ----------------------------------------------------------------------------- loads
# name -> (bill case whose load.csv it is, steps per hour, scale); the x0.05 load is small
# enough for minimum charges to bind
LOADS = {
    "tenX": ("tenX", 1, 1.0),
    "crb_midrise_12000": ("crb_midrise_12000", 1, 1.0),
    "tenX_15min": ("tenX_15min", 4, 1.0),
    "tenX_x0.05": ("tenX", 1, 0.05),
}


@functools.lru_cache(maxsize=None)
def load_profile(name: str) -> tuple[np.ndarray, int]:
    """``(kW per step, steps per hour)`` of a named load from the shared bill cases."""
    source, steps_per_hour, scale = LOADS[name]
    path = sorted(BILL_CASES.glob(f"*__{source}/load.csv"))[0]
    load = np.loadtxt(path) * scale
    assert load.shape == (8760 * steps_per_hour,) and load.min() >= 0.0
    load.flags.writeable = False
    return load, steps_per_hour


# ----------------------------------------------------------------------------- extra tariffs
SUMMER = (5, 6, 7, 8)  # June - September (0-based months)


def _day(base: int, *spans: tuple[int, int, int]) -> list[int]:
    """24 hourly period indices: ``base``, except ``(start, stop, period)`` for hours start..stop-1."""
    hours = [base] * 24
    for start, stop, period in spans:
        hours[start:stop] = [period] * (stop - start)
    return hours


def _months(summer: list[int], winter: list[int]) -> list[list[int]]:
    """A 12 x 24 schedule: ``summer`` hours in :data:`SUMMER`, ``winter`` hours otherwise."""
    return [list(summer if m in SUMMER else winter) for m in range(12)]


def _always(period: int = 0) -> list[list[int]]:
    return _months(_day(period), _day(period))


def _tiers(unit: str, *tiers: tuple) -> list[dict]:
    """URDB tiers from ``(rate,)``, ``(rate, max)`` or ``(rate, max, adj)`` tuples."""
    out = []
    for rate, top, adj in (t + (None,) * (3 - len(t)) for t in tiers):
        tier = {"rate": rate, "unit": unit}
        if top is not None:
            tier["max"] = top
        if adj is not None:
            tier["adj"] = adj
        out.append(tier)
    return out


def _energy(periods: list[list[dict]], weekday: list[list[int]] | None = None,
            weekend: list[list[int]] | None = None) -> dict:
    """The energy part of a URDB rate (one all-year period unless schedules are given)."""
    return {"energyratestructure": periods,
            "energyweekdayschedule": weekday or _always(),
            "energyweekendschedule": weekend or _always()}


def _tou_demand(periods: list[list[dict]], weekday: list[list[int]]) -> dict:
    """TOU demand charges on weekdays; weekends are all period 0."""
    return {"demandratestructure": periods, "demandweekdayschedule": weekday,
            "demandweekendschedule": _always(0)}


# on-peak summer afternoons, shoulder around them; winter shoulder in the morning and evening
TOU_WEEKDAY = _months(summer=_day(0, (7, 14, 1), (14, 19, 2), (19, 22, 1)),
                      winter=_day(0, (6, 9, 1), (17, 21, 1)))
TOU_WEEKEND = _months(summer=_day(0, (14, 19, 1)), winter=_day(0))
# two-period schedule for tiered TOU energy: 4-9 pm on weekdays, 4-9 pm summer weekends
PEAK_WEEKDAY = _months(summer=_day(0, (16, 21, 1)), winter=_day(0, (16, 21, 1)))
PEAK_WEEKEND = _months(summer=_day(0, (16, 21, 1)), winter=_day(0))
DEMAND_WEEKDAY = _months(summer=_day(0, (12, 20, 1)), winter=_day(0, (7, 11, 1), (17, 21, 1)))

EXTRA_TARIFFS = {
    # residential inclining block: 0-500, 500-1000, >1000 kWh, fuel adjustment on every tier
    "tiered_energy": {
        **_energy([_tiers("kWh", (0.0812, 500, 0.0107), (0.1034, 1000, 0.0107), (0.1298, None, 0.0107))]),
        "fixedchargefirstmeter": 12.0, "fixedchargeunits": "$/month",
    },
    # residential time of use, three periods, seasonal, weekends mostly off-peak
    "tou_energy": {
        **_energy([_tiers("kWh", (0.0734,)), _tiers("kWh", (0.1182, None, 0.004)),
                   _tiers("kWh", (0.2466, None, 0.004))], TOU_WEEKDAY, TOU_WEEKEND),
        "fixedmonthlycharge": 9.5,
    },
    # time of use with the same 800 kWh block in both periods
    "tou_tiered_energy": {
        **_energy([_tiers("kWh", (0.0821, 800), (0.1043,)), _tiers("kWh", (0.1895, 800), (0.2214,))],
                  PEAK_WEEKDAY, PEAK_WEEKEND),
        "fixedchargefirstmeter": 10.0, "fixedchargeunits": "$/month",
    },
    # small commercial: TOU demand with a 0-8 kW block and the rest
    "tou_demand_2tier": {
        **_energy([_tiers("kWh", (0.0948,))]),
        **_tou_demand([_tiers("kW", (1.85, 8), (2.60,)), _tiers("kW", (9.40, 8), (12.75,))],
                      DEMAND_WEEKDAY),
        "fixedchargefirstmeter": 15.0, "fixedchargeunits": "$/month",
    },
    # small commercial: monthly maximum demand, summer and winter prices, 0-10 kW block
    "flat_demand_seasonal": {
        **_energy([_tiers("kWh", (0.0875, 2000), (0.0790,))]),
        "flatdemandstructure": [_tiers("kW", (5.25, 10), (6.80,)), _tiers("kW", (8.90, 10), (11.35,))],
        "flatdemandmonths": [1 if m in SUMMER else 0 for m in range(12)],
        "fixedchargefirstmeter": 25.0, "fixedchargeunits": "$/month",
    },
    # TOU demand plus a facilities (flat) demand charge on the monthly maximum; SAM needs the
    # same demand tier limits in all periods of a month
    "tou_and_flat_demand": {
        **_energy([_tiers("kWh", (0.0702,)), _tiers("kWh", (0.1015,)), _tiers("kWh", (0.1688,))],
                  TOU_WEEKDAY, TOU_WEEKEND),
        **_tou_demand([_tiers("kW", (1.20, 12), (1.60,)), _tiers("kW", (6.50, 12), (7.90,))],
                      DEMAND_WEEKDAY),
        "flatdemandstructure": [_tiers("kW", (3.10,))],
        "flatdemandmonths": [0] * 12,
    },
    # customer charge per day
    "daily_fixed": {
        **_energy([_tiers("kWh", (0.1152,))]),
        "fixedchargefirstmeter": 0.657, "fixedchargeunits": "$/day",
    },
    # monthly minimum bill (binds in the low months of the x0.05 load)
    "monthly_minimum": {
        **_energy([_tiers("kWh", (0.1021, None, 0.0043))]),
        "fixedchargefirstmeter": 6.0, "fixedchargeunits": "$/month",
        "mincharge": 36.0, "minchargeunits": "$/month",
    },
    # annual minimum bill (binds for the x0.05 load) with a yearly fixed charge
    "annual_minimum": {
        **_energy([_tiers("kWh", (0.0987,))]),
        "fixedchargefirstmeter": 60.0, "fixedchargeunits": "$/year",
        "mincharge": 480.0, "minchargeunits": "$/year",
    },
}
EXTRA_CASES = [(t, load) for t in EXTRA_TARIFFS for load in LOADS]
EXTRA_IDS = [f"{t}-{load}" for t, load in EXTRA_CASES]


def hand_days(year: int) -> list[int]:
    """Days of each month of the 8760-hour year (a leap year drops December 31)."""
    days = [calendar.monthrange(year, m)[1] for m in range(1, 13)]
    if calendar.isleap(year):
        days[11] -= 1
    return days


def _with_daily_fixed_charge(reference: dict, rate: dict, year: int) -> dict:
    """``reference`` with a ``$/day`` fixed charge billed as days x rate (hand calculation)."""
    if rate.get("fixedchargeunits") != "$/day":
        return reference
    fixed = [rate["fixedchargefirstmeter"] * d for d in hand_days(year)]
    return bill_dict({**reference["monthly"], "fixed_cost": fixed})


@functools.lru_cache(maxsize=None)
def pysam_reference(tariff: str, load: str) -> dict:
    """PySAM's bill of an extra case in 2018, with ``$/day`` fixed charges by hand."""
    pytest.importorskip("PySAM")
    kw, steps_per_hour = load_profile(load)
    rate = EXTRA_TARIFFS[tariff]
    return _with_daily_fixed_charge(pysam_bill(rate, kw, steps_per_hour), rate, PYSAM_YEAR)


# ----------------------------------------------------------------------------- the engine
@pytest.fixture(scope="module")
def engine():
    """``bill_of(rate, load_kw, year, steps_per_hour) -> dict`` from our engine."""
    from omf_der.tariff import Tariff, bill

    def bill_of(rate: dict, load_kw: np.ndarray, year: int, steps_per_hour: int) -> dict:
        tariff = Tariff.from_urdb(copy.deepcopy(rate))
        return bill(tariff, np.array(load_kw), Calendar(year, steps_per_hour)).to_dict()

    return bill_of


# ============================================================================ the references
@pytest.mark.parametrize("case", SHARED_CASES)
def test_pysam_harness_reproduces_shared_case(case):
    pytest.importorskip("PySAM")
    rate, load, expected = shared_case(case)
    assert_bills_match(pysam_bill(rate, load, expected["steps_per_hour"]), expected)


def test_pysam_harness_copes_with_shared_schedule_lists():
    """The converter increments schedules in place: shared lists must not be counted twice."""
    pytest.importorskip("PySAM")
    rate, load, expected = shared_case("TODrate66a13566e90ecdb7d40581d2__tenX")
    row = list(rate["energyweekdayschedule"][0])
    assert all(r == row for r in rate["energyweekdayschedule"] + rate["energyweekendschedule"])
    aliased = {**rate, "energyweekdayschedule": [row] * 12}
    aliased["energyweekendschedule"] = aliased["energyweekdayschedule"]
    assert_bills_match(pysam_bill(aliased, load, expected["steps_per_hour"]), expected)
    assert row == rate["energyweekdayschedule"][0]  # the caller's lists are untouched


@pytest.mark.parametrize("case", SHARED_CASES)
def test_naive_reproduces_shared_case(case):
    rate, load, expected = shared_case(case)
    assert_bills_match(naive_bill(rate, load, expected["year"], expected["steps_per_hour"]), expected)


@pytest.mark.parametrize("tariff,load", EXTRA_CASES, ids=EXTRA_IDS)
def test_naive_matches_pysam_on_extra_tariff(tariff, load):
    kw, steps_per_hour = load_profile(load)
    ours = naive_bill(EXTRA_TARIFFS[tariff], kw, PYSAM_YEAR, steps_per_hour)
    assert_bills_match(ours, pysam_reference(tariff, load))


def test_shared_cases_are_all_found():
    assert len(SHARED_CASES) == 9


@pytest.mark.parametrize("tariff", ["monthly_minimum", "annual_minimum"])
def test_minimum_charge_cases_bind(tariff):
    """The minimum-charge tariffs exercise what they claim to (on the PySAM reference)."""
    adder = pysam_reference(tariff, "tenX_x0.05")["monthly"]["minimum_charge_adder"]
    if tariff == "monthly_minimum":
        assert 0 < sum(a > 0 for a in adder) < 12, adder
    else:
        assert adder[11] > 0 and not any(adder[:11]), adder
    assert not any(pysam_reference(tariff, "tenX")["monthly"]["minimum_charge_adder"])


def test_pysam_daily_fixed_charge_is_365_over_12_days():
    """Why ``$/day`` fixed charges are compared to days x rate and not to PySAM."""
    pytest.importorskip("PySAM")
    rate = EXTRA_TARIFFS["daily_fixed"]
    kw, steps_per_hour = load_profile("tenX")
    fixed = pysam_bill(rate, kw, steps_per_hour)["monthly"]["fixed_cost"]
    assert fixed == pytest.approx([rate["fixedchargefirstmeter"] * 365 / 12] * 12)


# ============================================================================ the engine
@pytest.mark.parametrize("case", SHARED_CASES)
def test_engine_matches_shared_case(engine, case):
    rate, load, expected = shared_case(case)
    assert_bills_match(engine(rate, load, expected["year"], expected["steps_per_hour"]), expected)


@pytest.mark.parametrize("tariff,load", EXTRA_CASES, ids=EXTRA_IDS)
def test_engine_matches_pysam_on_extra_tariff(engine, tariff, load):
    kw, steps_per_hour = load_profile(load)
    ours = engine(EXTRA_TARIFFS[tariff], kw, PYSAM_YEAR, steps_per_hour)
    assert_bills_match(ours, pysam_reference(tariff, load))


# tariffs whose bill depends on the calendar beyond PySAM's 2018: demand peaks by month and
# period, weekday schedules, days per month
CALENDAR_TARIFFS = ["tou_demand_2tier", "flat_demand_seasonal", "tou_and_flat_demand",
                    "tou_energy", "daily_fixed"]
# 2024 leap year starting Monday, 2023 starts Sunday, 2021 starts Friday
OTHER_YEARS = [2024, 2023, 2021]


@pytest.mark.parametrize("load", ["tenX", "tenX_15min"])
@pytest.mark.parametrize("year", OTHER_YEARS)
@pytest.mark.parametrize("tariff", CALENDAR_TARIFFS)
def test_engine_matches_naive_in_other_years(engine, tariff, year, load):
    kw, steps_per_hour = load_profile(load)
    rate = EXTRA_TARIFFS[tariff]
    assert_bills_match(engine(rate, kw, year, steps_per_hour), naive_bill(rate, kw, year, steps_per_hour))


# ============================================================================ hand checks
def _implementation(name: str, request: pytest.FixtureRequest) -> Callable[..., dict]:
    """``bill_of(rate, load_kw, year, steps_per_hour) -> dict`` of the engine or the naive bill."""
    if name == "engine":
        return request.getfixturevalue("engine")
    return lambda rate, load_kw, year, steps_per_hour: naive_bill(rate, load_kw, year, steps_per_hour)


@pytest.mark.parametrize("steps_per_hour", [1, 4])
@pytest.mark.parametrize("implementation", ["naive", "engine"])
def test_leap_day_peak_is_billed_in_february(implementation, steps_per_hour, request):
    """2024: 10 kW only on Feb 29, 12:00-13:00 (hour 24 x (31 + 28) + 12 of the year)."""
    bill_of = _implementation(implementation, request)
    kw = np.zeros(8760 * steps_per_hour)
    first = (24 * (31 + 28) + 12) * steps_per_hour
    kw[first:first + steps_per_hour] = 10.0
    b = bill_of(EXTRA_TARIFFS["flat_demand_seasonal"], kw, 2024, steps_per_hour)
    assert b["monthly"]["peak_kw"][1] == pytest.approx(10.0)
    assert b["monthly"]["peak_kw"][2] == 0.0
    assert b["monthly"]["energy_kwh"][1] == pytest.approx(10.0)
    assert b["monthly"]["demand_cost_flat"][1] == pytest.approx(10 * 5.25)


@pytest.mark.parametrize("year", [2018, 2024])
@pytest.mark.parametrize("implementation", ["naive", "engine"])
def test_daily_fixed_charge_counts_days(implementation, year, request):
    """31 days in January; February 29 in 2024; December 30 in 2024 (Dec 31 dropped)."""
    bill_of = _implementation(implementation, request)
    rate = EXTRA_TARIFFS["daily_fixed"]
    b = bill_of(rate, load_profile("tenX")[0], year, 1)
    days = dict(zip(MONTHS, hand_days(year)))
    assert days["Feb"] == (29 if year == 2024 else 28) and days["Dec"] == (30 if year == 2024 else 31)
    per_day = rate["fixedchargefirstmeter"]
    assert b["monthly"]["fixed_cost"] == pytest.approx([per_day * d for d in days.values()], abs=1e-9)
