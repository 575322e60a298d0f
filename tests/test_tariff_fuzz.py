"""Fuzzing the URDB parser: whatever the upload, the answer is a bill or InputError(s), never a crash."""

from __future__ import annotations

import copy
import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omf_der import Calendar, InputError, InputErrors
from omf_der.readers import read_json
from omf_der.tariff import Tariff, bill
from omf_der.tariff.urdb import urdb_problems

# hourly and 15-minute years, with exports (negative values) in both
LOADS = [(np.sin(np.arange(8760) / 7.0) * 3.0, Calendar(2021)),
         (np.sin(np.arange(35040) / 29.0) * 3.0 + 1.0, Calendar(2024, 4))]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=5),
                    st.floats(allow_nan=True, allow_infinity=True))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)), max_leaves=12)
numbers = st.one_of(st.floats(-5, 50, allow_nan=False), st.integers(-5, 50),
                    st.sampled_from([1e308, -1e308, 1e-300]))
tiers = st.lists(st.fixed_dictionaries({"rate": numbers}, optional={
    "adj": numbers, "max": numbers, "unit": st.sampled_from(["kWh", "kW", "kWh/kW", "kVA", ""]),
    "sell": numbers}), min_size=1, max_size=3)
structures = st.lists(tiers, min_size=1, max_size=26)   # URDB rates with 12-24 periods exist


def schedules(n_periods_hint: int = 25):
    row = st.lists(st.integers(-1, n_periods_hint), min_size=23, max_size=25)
    exact = st.lists(st.lists(st.integers(0, n_periods_hint), min_size=24, max_size=24), min_size=12, max_size=12)
    return st.one_of(st.lists(row, min_size=11, max_size=13), exact, st.just([[0] * 24 for _ in range(12)]))


def valid_rate() -> dict:
    return {"energyratestructure": [[{"rate": 0.1, "max": 300}, {"rate": 0.2}]],
            "energyweekdayschedule": [[0] * 24 for _ in range(12)],
            "energyweekendschedule": [[0] * 24 for _ in range(12)],
            "demandratestructure": [[{"rate": 3.0}], [{"rate": 9.0, "max": 4}, {"rate": 12.0}]],
            "demandweekdayschedule": [[0] * 12 + [1] * 12 for _ in range(12)],
            "demandweekendschedule": [[0] * 24 for _ in range(12)],
            "flatdemandstructure": [[{"rate": 2.0}]], "flatdemandmonths": [0] * 12,
            "fixedchargefirstmeter": 0.3, "fixedchargeunits": "$/day",
            "mincharge": 10, "minchargeunits": "$/month"}


def _bill_or_input_error(rate: object) -> None:
    """Parse and bill ``rate``: the only acceptable failures are InputError(s) that agree with urdb_problems."""
    try:
        tariff = Tariff.from_urdb(rate)
    except InputErrors as exc:
        assert exc.errors and all(isinstance(e, InputError) and e.field.startswith("tariff") for e in exc.errors)
        assert urdb_problems(rate), "from_urdb refused a rate that urdb_problems accepts"
        return
    except InputError as exc:
        assert exc.field.startswith("tariff")
        return
    assert not urdb_problems(rate)
    for load, cal in LOADS:
        for method in ("monthly", "daily_window"):
            b = bill(tariff, load, cal, demand_method=method)
            assert np.all(np.isfinite(b.total_cost))


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KEYS = sorted(valid_rate()) + ["lookbackpercent", "lookbackmonths", "lookbackrange", "dgrules",
                               "usenetmetering", "fixedmonthlycharge", "coincidentratestructure",
                               "demandrateunit", "minmonthlycharge", "annualmincharge"]


@FUZZ
@given(st.one_of(json_values, st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6)))
def test_arbitrary_json_values(doc):
    _bill_or_input_error(doc)


@FUZZ
@given(key=st.sampled_from(KEYS), value=st.one_of(json_values, structures, schedules(), numbers))
def test_one_field_replaced(key, value):
    rate = valid_rate()
    rate[key] = value
    _bill_or_input_error(rate)


@FUZZ
@given(energy=structures, demand=structures, weekday=schedules(), weekend=schedules(),
       flat_months=st.lists(st.integers(-1, 2), min_size=11, max_size=13))
def test_random_structures_and_schedules(energy, demand, weekday, weekend, flat_months):
    rate = valid_rate()
    rate.update(energyratestructure=energy, demandratestructure=demand, energyweekdayschedule=weekday,
                demandweekendschedule=weekend, flatdemandstructure=copy.deepcopy(demand),
                flatdemandmonths=flat_months)
    _bill_or_input_error(rate)


@FUZZ
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_malformed_json_uploads(data):
    try:
        doc = read_json(data, "tariff")
    except InputError as exc:
        assert exc.field == "tariff"
        return
    _bill_or_input_error(doc)


def test_valid_rate_bills():
    _bill_or_input_error(valid_rate())
    assert json.dumps(valid_rate())  # the fixture itself is plain JSON
