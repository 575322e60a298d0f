"""Tariff engine: hand-calculated bills, demand groups, parser refusals (URDB semantics).

Every expected number here is worked out in the test from the rate's definition, not taken from
the engine. PySAM cross-checks live in test_bill_reference.py, REopt cases in
test_tariff_reopt_cases.py.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math

import numpy as np
import pytest

from omf_der import Calendar, InputError, InputErrors
from omf_der.readers import read_series
from omf_der.resources import static_data_path
from omf_der.tariff import DEMAND_METHODS, CoincidentPeak, Tariff, bill
from omf_der.tariff.model import tier_amounts, tiered_cost

HOURS = 8760


def _sched(value=0, rows=None):
    return [list(r) for r in rows] if rows is not None else [[value] * 24 for _ in range(12)]


def _urdb(**extra):
    """A one-period 0.10 $/kWh rate plus ``extra`` URDB fields."""
    rate = {"energyratestructure": [[{"rate": 0.10, "unit": "kWh"}]],
            "energyweekdayschedule": _sched(), "energyweekendschedule": _sched()}
    rate.update(extra)
    return rate


def _example_tariff() -> dict:
    return json.loads(static_data_path("example_residential_tariff.json").read_text())


def _example_load() -> np.ndarray:
    return read_series(static_data_path("example_load_kw.csv").read_bytes(), "demand_curve_kw")


# ---------------------------------------------------------------------------- pure functions
def test_tier_amounts_cumulative_limits():
    # limits 100 and 300 (cumulative): 450 kWh = 100 + 200 + 150
    limits = np.array([[100.0, 300.0, math.inf]])
    assert tier_amounts(np.array([450.0]), limits).tolist() == [[100.0, 200.0, 150.0]]
    assert tier_amounts(np.array([50.0]), limits).tolist() == [[50.0, 0.0, 0.0]]
    assert tiered_cost(np.array([450.0]), np.array([[0.02, 0.04, 0.12]]), limits).tolist() == \
        pytest.approx([100 * 0.02 + 200 * 0.04 + 150 * 0.12])


def test_padded_tiers_never_nan():
    t = Tariff.from_urdb(_urdb(energyratestructure=[[{"rate": 0.1}], [{"rate": 0.2, "max": 10}, {"rate": 0.3}]]))
    assert t.energy.rates.tolist() == [[0.1, 0.1], [0.2, 0.3]]
    cost = tiered_cost(np.array([5.0, 50.0]), t.energy.rates, t.energy.limits)
    assert cost.tolist() == pytest.approx([0.5, 10 * 0.2 + 40 * 0.3])


# ---------------------------------------------------------------------------- the seed's example
def test_example_tariff_on_example_load_january_by_hand():
    """Three cumulative energy tiers and 5 $/kW on weekday 07-10 h and 17-20 h, January 2018."""
    load = _example_load()
    assert load.size == HOURS
    b = bill(Tariff.from_urdb(_example_tariff()), load, Calendar(2018))

    jan = [(dt.datetime(2018, 1, 1) + dt.timedelta(hours=h), load[h]) for h in range(31 * 24)]
    kwh = sum(kw for _, kw in jan)
    energy = 100 * 0.02 + 200 * 0.04 + (kwh - 300) * 0.12          # tiers 0-100, 100-300, >300 kWh
    on_peak = [kw for t, kw in jan if t.weekday() < 5 and t.hour in (7, 8, 9, 17, 18, 19)]
    demand = 5.0 * max(on_peak)
    assert b.energy_kwh[0] == pytest.approx(kwh, abs=1e-9)
    assert b.energy_cost[0] == pytest.approx(energy, abs=1e-9)
    assert b.demand_cost_tou[0] == pytest.approx(demand, abs=1e-9)
    assert b.peak_kw[0] == pytest.approx(max(kw for _, kw in jan))
    assert b.total_cost[0] == pytest.approx(energy + demand, abs=1e-9)
    assert b.demand_cost_flat.sum() == b.fixed_cost.sum() == b.minimum_charge_adder.sum() == 0


def test_daily_window_charges_every_on_peak_run():
    """Reference method: each contiguous run of a period within a month is its own peak."""
    rate = _example_tariff()
    load = np.zeros(HOURS)
    # 2018-01-01 is a Monday: Jan 1 08:00 (run 07-10) = 2 kW, Jan 1 18:00 (run 17-20) = 3 kW,
    # Jan 2 09:00 = 4 kW; Jan 6 (Saturday) 08:00 = 9 kW is off-peak (rate 0).
    load[[8, 18, 24 + 9, 5 * 24 + 8]] = [2.0, 3.0, 4.0, 9.0]
    cal = Calendar(2018)
    monthly = bill(Tariff.from_urdb(rate), load, cal)
    window = bill(Tariff.from_urdb(rate), load, cal, demand_method="daily_window")
    assert monthly.demand_cost_tou[0] == pytest.approx(5 * 4.0)
    assert window.demand_cost_tou[0] == pytest.approx(5 * (2.0 + 3.0 + 4.0))
    assert window.energy_cost[0] == pytest.approx(monthly.energy_cost[0])
    assert window.peak_kw[0] == monthly.peak_kw[0] == 9.0


def test_daily_window_groups_are_the_runs():
    t = Tariff.from_urdb(_example_tariff())
    groups = t.on(Calendar(2018), "daily_window").groups
    jan = [g for g in groups if g.month == 0]
    # January 2018 has 23 weekdays with two 3-hour on-peak runs each; off-peak runs cost 0 and are dropped
    assert len(jan) == 46
    assert all(g.steps.size == 3 and np.all(np.diff(g.steps) == 1) for g in jan)
    monthly = t.on(Calendar(2018)).groups
    assert [g.month for g in monthly] == list(range(12))
    assert all(g.steps.size == 6 * n for g, n in zip(monthly, [23, 20, 22, 21, 23, 21, 22, 23, 20, 23, 22, 21]))


def test_tou_groups_partition_the_year():
    rate = _urdb(demandratestructure=[[{"rate": 1.0}], [{"rate": 2.0}]],
                 demandweekdayschedule=_sched(rows=[[0] * 12 + [1] * 12] * 12),
                 demandweekendschedule=_sched(0))
    series = Tariff.from_urdb(rate).on(Calendar(2019, 2))
    steps = np.concatenate([g.steps for g in series.groups])
    assert np.array_equal(np.sort(steps), np.arange(HOURS * 2))
    assert len(series.groups) == 24
    for g in series.groups:
        assert np.all(series.calendar.month[g.steps] == g.month)


# ---------------------------------------------------------------------------- charges
def test_tou_demand_tiers_on_the_period_peak():
    rate = _urdb(demandratestructure=[[{"rate": 4.0, "max": 5}, {"rate": 10.0, "adj": 1.0}]],
                 demandweekdayschedule=_sched(), demandweekendschedule=_sched())
    load = np.full(HOURS, 1.0)
    load[100] = 8.0                            # January peak 8 kW: 5 kW x 4 + 3 kW x 11
    b = bill(Tariff.from_urdb(rate), load, Calendar(2018))
    assert b.demand_cost_tou[0] == pytest.approx(5 * 4.0 + 3 * 11.0)
    assert b.demand_cost_tou[1] == pytest.approx(1 * 4.0)


def test_flat_demand_seasonal_and_lookback_ratchet():
    rate = _urdb(flatdemandstructure=[[{"rate": 10.0}], [{"rate": 15.0}]],
                 flatdemandmonths=[0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0],
                 lookbackpercent=0.5, lookbackmonths=[0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    cal = Calendar(2018)
    peaks = np.array([4, 4, 4, 4, 4, 4, 20, 4, 4, 4, 4, 4], dtype=float)
    load = peaks[cal.month]
    b = bill(Tariff.from_urdb(rate), load, cal)
    billed = np.maximum(peaks, 0.5 * 20.0)                 # July's 20 kW ratchets every month to 10 kW
    rates = np.array([10.0] * 5 + [15.0] * 3 + [10.0] * 4)
    assert b.billed_flat_kw.tolist() == billed.tolist()
    assert b.demand_cost_flat.tolist() == pytest.approx((billed * rates).tolist())
    assert b.peak_kw.tolist() == peaks.tolist()


def test_lookback_range_wraps_within_the_year():
    t = Tariff.simple(0.0, 1.0, lookback_percent=0.8, lookback_range=2)
    cal = Calendar(2018)
    peaks = np.array([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 10], dtype=float)
    b = bill(t, peaks[cal.month], cal)
    # January and February look back at December (cyclically), others not
    assert b.billed_flat_kw.tolist() == [8, 8] + [1] * 9 + [10]


def test_fixed_charge_units():
    cal = Calendar(2024)
    days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 30]  # the 8760 h of 2024 drop Dec 31
    load = np.zeros(HOURS)
    for unit, expected in (("$/month", [2.0] * 12), ("$/day", [2.0 * d for d in days]),
                           ("$/year", [2.0 / 12] * 12)):
        b = bill(Tariff.from_urdb(_urdb(fixedchargefirstmeter=2.0, fixedchargeunits=unit)), load, cal)
        assert b.fixed_cost.tolist() == pytest.approx(expected), unit
    old = bill(Tariff.from_urdb(_urdb(fixedmonthlycharge=7.57)), load, cal)
    assert old.fixed_cost.tolist() == pytest.approx([7.57] * 12)


def test_minimum_charges_top_up():
    cal = Calendar(2018)
    load = np.zeros(HOURS)
    load[cal.month == 0] = 1.0            # January: 744 kWh x 0.10 = 74.40 $, other months 0
    monthly = bill(Tariff.from_urdb(_urdb(fixedmonthlycharge=5, mincharge=20, minchargeunits="$/month")), load, cal)
    assert monthly.minimum_charge_adder.tolist() == pytest.approx([0.0] + [15.0] * 11)
    assert monthly.total_cost.tolist() == pytest.approx([79.4] + [20.0] * 11)
    annual = bill(Tariff.from_urdb(_urdb(mincharge=100, minchargeunits="$/year")), load, cal)
    assert annual.minimum_charge_adder.tolist() == pytest.approx([0.0] * 11 + [100 - 74.4])
    assert annual.total_cost.sum() == pytest.approx(100.0)
    older = bill(Tariff.from_urdb(_urdb(minmonthlycharge=20, annualmincharge=300)), load, cal)
    assert older.minimum_charge_adder.tolist() == pytest.approx([0.0] + [20.0] * 10 + [20.0 + 300 - 74.4 - 220])


def test_exports_sell_net_metering_or_nothing():
    cal = Calendar(2018)
    load = np.full(HOURS, 1.0)
    load[cal.month == 5] = -2.0           # June exports 720 h x 2 kW = 1440 kWh
    plain = bill(Tariff.from_urdb(_urdb()), load, cal)
    assert plain.export_kwh[5] == pytest.approx(1440) and plain.export_credit.sum() == 0
    assert plain.energy_kwh[5] == 0 and plain.peak_kw[5] == 0
    sell = _urdb(energyratestructure=[[{"rate": 0.10, "sell": 0.03}]])
    assert bill(Tariff.from_urdb(sell), load, cal).export_credit[5] == pytest.approx(1440 * 0.03)
    nem = bill(Tariff.from_urdb(_urdb(usenetmetering=True)), load, cal)
    assert nem.export_credit[5] == pytest.approx(1440 * 0.10)
    assert nem.total_cost[5] == pytest.approx(-144.0)
    assert set(nem.to_dict()["monthly"]) >= {"export_kwh", "export_credit"}
    assert "export_kwh" not in bill(Tariff.from_urdb(_urdb()), np.ones(HOURS), cal).to_dict()["monthly"]


def test_tiers_with_several_periods_share_the_month_mix():
    """SAM's reading: tiers count the month's total; each period's kWh gets the same tier mix."""
    rows = [[0] * 12 + [1] * 12] * 12
    rate = _urdb(energyratestructure=[[{"rate": 0.1, "max": 300}, {"rate": 0.2}],
                                      [{"rate": 0.3, "max": 300}, {"rate": 0.5}]],
                 energyweekdayschedule=_sched(rows=rows), energyweekendschedule=_sched(rows=rows))
    load = np.ones(HOURS)
    b = bill(Tariff.from_urdb(rate), load, Calendar(2018))
    e0 = e1 = 31 * 12.0                          # January: 372 kWh in each period, 744 in all
    share1 = 300 / 744                            # of each period's kWh in tier 1
    expected = e0 * (share1 * 0.1 + (1 - share1) * 0.2) + e1 * (share1 * 0.3 + (1 - share1) * 0.5)
    assert b.energy_cost[0] == pytest.approx(expected)


def test_simple_rates_and_price_series():
    cal = Calendar(2018, 4)
    load = np.full(cal.n_steps, 2.0)               # 2 kW every 15 minutes: 0.5 kWh per step
    blended = bill(Tariff.simple(0.1, 10.0), load, cal)
    assert blended.energy_cost.sum() == pytest.approx(HOURS * 2 * 0.1)
    assert blended.demand_cost_flat.tolist() == pytest.approx([20.0] * 12)
    monthly = bill(Tariff.simple(np.arange(1, 13) / 100), load, cal)
    assert monthly.energy_cost[11] == pytest.approx(31 * 24 * 2 * 0.12)
    prices = np.zeros(HOURS)
    prices[17] = 1.0                               # one expensive hour: 2 kWh
    series = bill(Tariff.simple(prices), load, cal)
    assert series.energy_cost.sum() == pytest.approx(2.0)


def test_coincident_peak_group():
    t = Tariff.simple(0.0, coincident=[CoincidentPeak((10, 11, 12), 7.0)])
    load = np.ones(HOURS)
    load[11] = 3.0
    load[500] = 50.0                               # outside the coincident window
    b = bill(t, load, Calendar(2018))
    assert b.demand_cost_coincident.tolist() == pytest.approx([21.0] + [0.0] * 11)
    assert b.to_dict()["annual"]["demand_cost"] == pytest.approx(21.0)


def test_leap_year_feb_29_is_february_and_dec_31_dropped():
    t = Tariff.from_urdb(_urdb(flatdemandstructure=[[{"rate": 1.0}]], flatdemandmonths=[0] * 12))
    cal = Calendar(2024)
    load = np.zeros(HOURS)
    load[(31 + 28) * 24 + 12] = 10.0               # Feb 29 2024 12:00
    b = bill(t, load, cal)
    assert b.peak_kw[1] == 10.0 and b.peak_kw[2] == 0.0
    assert cal.steps_per_month[11] == 30 * 24


# ---------------------------------------------------------------------------- refusals
@pytest.mark.parametrize("change, field", [
    ({"coincidentratestructure": [[{"rate": 3}]]}, "tariff.coincidentratestructure"),
    ({"demandrateunit": "kVA"}, "tariff.demandrateunit"),
    ({"lookbackpercent": 35}, "tariff.lookbackpercent"),
    ({"lookbackmonths": [1] * 11}, "tariff.lookbackmonths"),
    ({"lookbackrange": 12}, "tariff.lookbackrange"),
    ({"dgrules": "Feed-in"}, "tariff.dgrules"),
    ({"fixedchargefirstmeter": 3, "fixedchargeunits": "$/week"}, "tariff.fixedchargeunits"),
    ({"energyratestructure": [[{"rate": 0.1, "max": 10, "unit": "kWh/kW"}, {"rate": 0.2}]]},
     "tariff.energyratestructure[0][0].unit"),
    ({"demandratestructure": [[{"rate": -3.0}]], "demandweekdayschedule": _sched(),
      "demandweekendschedule": _sched()}, "tariff.demandratestructure[0][0].rate"),
])
def test_unsupported_or_malformed_fields_are_named(change, field):
    with pytest.raises(InputErrors) as info:
        Tariff.from_urdb(_urdb(**change))
    assert field in [e.field for e in info.value.errors], info.value


def test_differing_tier_limits_in_one_month_refused():
    rows = [[0] * 12 + [1] * 12] * 12
    rate = _urdb(energyratestructure=[[{"rate": 0.1, "max": 300}, {"rate": 0.2}],
                                      [{"rate": 0.3, "max": 500}, {"rate": 0.5}]],
                 energyweekdayschedule=_sched(rows=rows), energyweekendschedule=_sched(rows=rows))
    with pytest.raises(InputErrors) as info:
        Tariff.from_urdb(rate)
    (err,) = info.value.errors
    assert err.field == "tariff.energyratestructure[1]" and "January" in err.message


def test_ignored_fields_are_noted():
    t = Tariff.from_urdb(_urdb(demandreactivepowercharge=2.7))
    assert any(n.startswith("demandreactivepowercharge") for n in t.notes)


def test_bill_checks_the_load():
    t = Tariff.simple(0.1)
    with pytest.raises(InputError, match="8760 values"):
        bill(t, np.ones(100), Calendar(2018))
    bad = np.ones(HOURS)
    bad[5] = np.nan
    with pytest.raises(InputError, match="step 6"):
        bill(t, bad, Calendar(2018))
    with pytest.raises(InputError, match="demand_method"):
        bill(t, np.ones(HOURS), Calendar(2018), demand_method="weekly")
    assert DEMAND_METHODS == ("monthly", "daily_window")


def test_tariff_is_picklable_and_comparable():
    import pickle

    t = Tariff.from_urdb(_example_tariff())
    t.on(Calendar(2018))                                   # fills the cache
    clone = pickle.loads(pickle.dumps(t))
    assert clone == t and clone._cache == {}
    other = Tariff.from_urdb(copy.deepcopy(_example_tariff()) | {"fixedmonthlycharge": 1.0})
    assert other != t


def test_series_is_cached_and_read_only():
    t = Tariff.from_urdb(_example_tariff())
    s = t.on(Calendar(2018))
    assert t.on(Calendar(2018)) is s
    with pytest.raises(ValueError):
        s.energy_rates[0, 0] = 1.0


def test_many_demand_periods():
    """24 TOU demand periods (one per hour): month x period keys exceed int8 (regression)."""
    hours = [list(range(24)) for _ in range(12)]
    rate = _urdb(demandratestructure=[[{"rate": float(h)}] for h in range(24)],
                 demandweekdayschedule=hours, demandweekendschedule=[list(r) for r in hours])
    load = np.ones(HOURS)
    load[31 * 24 + 23] = 2.0                                 # Feb 1 23:00
    b = bill(Tariff.from_urdb(rate), load, Calendar(2018))
    assert b.demand_cost_tou[0] == pytest.approx(sum(range(24)))
    assert b.demand_cost_tou[1] == pytest.approx(sum(range(24)) + 23.0)


def test_fixedchargefirstmeter_wins_over_older_field():
    b = bill(Tariff.from_urdb(_urdb(fixedmonthlycharge=0, fixedchargefirstmeter=0.5, fixedchargeunits="$/day")),
             np.zeros(HOURS), Calendar(2018))
    assert b.fixed_cost[0] == pytest.approx(15.5)


@pytest.mark.parametrize("premiums_equal", [True, False])
def test_linear_tier_form_reproduces_the_bill(premiums_equal):
    """Where a month's periods share tier premiums, base price x kWh + premium x tier kWh = the bill."""
    rows = [[0] * 12 + [1] * 12] * 6 + [[0] * 24] * 6          # two periods Jan-Jun, one Jul-Dec
    second = [{"rate": 0.3, "max": 300}, {"rate": 0.4 if premiums_equal else 0.7}]
    rate = _urdb(energyratestructure=[[{"rate": 0.1, "max": 300}, {"rate": 0.2}], second],
                 energyweekdayschedule=_sched(rows=rows), energyweekendschedule=_sched(rows=rows))
    cal = Calendar(2018)
    load = np.random.default_rng(5).uniform(0, 2, HOURS)
    series = Tariff.from_urdb(rate).on(cal)
    assert series.energy_tiers_linear.tolist() == [premiums_equal] * 6 + [True] * 6
    b = bill(series, load, cal)
    monthly_kwh = np.bincount(cal.month, load, minlength=12)
    in_tier2 = np.maximum(monthly_kwh - 300, 0)                # by hand: kWh above 300 in the month
    linear = np.bincount(cal.month, load * series.energy_base_rates, minlength=12) + 0.1 * in_tier2
    ok = np.isclose(linear, b.energy_cost, rtol=1e-12)
    assert ok[6:].all()
    assert ok[:6].all() == premiums_equal


def test_notes_for_rules_we_approximate():
    t = Tariff.from_urdb(_urdb(dgrules="Buy All Sell All", lookbackpercent=0.5))
    assert any(n.startswith("dgrules") for n in t.notes)
    assert any(n.startswith("lookbackpercent") for n in t.notes)
    with pytest.raises(InputErrors, match="from -1,000,000 to 1,000,000"):
        Tariff.from_urdb(_urdb(energyratestructure=[[{"rate": 1e308, "adj": 1e308}]]))


def test_huge_charges_are_refused_so_every_bill_stays_finite():
    """A fixed charge of $1e308 a day overflowed to an infinite bill (found by the fuzz test)."""
    with pytest.raises(InputErrors, match="from 0 to 1,000,000,000"):
        Tariff.from_urdb(_urdb(fixedchargefirstmeter=1e308, fixedchargeunits="$/day"))
    with pytest.raises(InputErrors, match="rate"):
        Tariff.from_urdb(_urdb(energyratestructure=[[{"rate": 2e6}]]))
    Tariff.from_urdb(_urdb(fixedchargefirstmeter=1e9, fixedchargeunits="$/day"))   # the bound itself is allowed


@pytest.mark.parametrize("kwargs, field", [({"energy_rate": [0.1, np.nan]}, "energy_rate"),
                                           ({"demand_rate": [1.0] * 5}, "demand_rate"),
                                           ({"demand_rate": -2.0}, "demand_rate")])
def test_simple_rate_checks(kwargs, field):
    with pytest.raises(InputError) as info:
        Tariff.simple(**kwargs)
    assert info.value.field == field


def test_package_docstring_example():
    import doctest

    import omf_der.tariff

    result = doctest.testmod(omf_der.tariff)
    assert result.attempted >= 4 and result.failed == 0
