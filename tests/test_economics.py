"""omf_der.economics: hand-calculated cash flows, payback, replacements and table identities."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from omf_der import Calendar
from omf_der.economics import BillSavings, Replacement, Technology, bill_savings, cash_flow, \
    marginal_bill_savings, monthly_table, replacement_years, simple_payback, table_to_dict, total
from omf_der.tariff import Tariff, bill


def test_replacements_fall_at_the_end_of_each_lifetime_within_the_projection():
    assert replacement_years(10, 25).tolist() == [10, 20]
    assert replacement_years(10, 20).tolist() == [10]       # a life ending with the projection: no replacement
    assert replacement_years(7, 21).tolist() == [7, 14]
    assert replacement_years(30, 25).tolist() == []
    assert replacement_years(0, 25).tolist() == []


def test_simple_payback():
    assert simple_payback(300.0, 100.0) == 3.0
    assert simple_payback(-50.0, 100.0) == 0.0      # subsidies exceed the costs: paid back at once
    assert simple_payback(300.0, 0.0) is None        # never
    assert simple_payback(0.0, -5.0) is None


def _tech(monthly_bill: float = 10.0, **kw) -> Technology:
    bill = BillSavings(np.full(12, monthly_bill * 0.4), np.full(12, monthly_bill * 0.6), np.zeros(12), np.zeros(12))
    return Technology(bill, **kw)


def test_cash_flow_by_hand():
    # 120 $/yr bill savings, 2 $/month subsidy, 1 $/month fuel, 6 $/yr upkeep; 500 upfront - 100 subsidy;
    # 200 $ replacement every 4 years over 10 years; 5 % discount, 2 % escalation of bill and fuel
    tech = _tech(10.0, subsidies_usd=np.full(12, 2.0), fuel_usd=np.full(12, 1.0), upkeep_usd=np.full(12, 0.5),
                 upfront_cost_usd=500.0, upfront_subsidy_usd=100.0, replacements=(Replacement(200.0, 4),))
    cf = cash_flow(tech, 10, 0.05, 0.02)
    expected = [-400.0]
    for t in range(1, 11):
        g = 1.02 ** (t - 1)
        net = 120 * g + 24 - 12 * g - 6 - (200 if t in (4, 8) else 0)
        expected.append(net)
    np.testing.assert_allclose(cf.net_usd, expected, rtol=1e-12)
    npv = sum(v / 1.05 ** t for t, v in enumerate(expected))
    assert cf.npv_usd == pytest.approx(npv, rel=1e-12)
    assert cf.payback_years == pytest.approx(400.0 / (120 + 24 - 12 - 6))
    np.testing.assert_allclose(cf.cumulative_usd, np.cumsum(expected))
    json.dumps(cf.to_dict(), allow_nan=False)


def test_cash_flow_of_nothing_is_zero_and_never_pays_back():
    cf = cash_flow(Technology(BillSavings.zero()), 25, 0.01)
    assert not cf.net_usd.any() and cf.npv_usd == 0.0 and cf.payback_years is None
    assert json.dumps(cf.to_dict(), allow_nan=False)


def test_technologies_add_up_to_the_total():
    a = _tech(10.0, subsidies_usd=np.full(12, 1.0), upfront_cost_usd=50.0, replacements=(Replacement(30.0, 5),))
    b = _tech(-3.0, fuel_usd=np.full(12, 2.0), upfront_subsidy_usd=20.0, replacements=(Replacement(10.0, 7),))
    both = total({"a": a, "b": b})
    flows = [cash_flow(t, 20, 0.03, 0.01) for t in (a, b, both)]
    np.testing.assert_allclose(flows[0].net_usd + flows[1].net_usd, flows[2].net_usd, atol=1e-9)
    assert flows[0].npv_usd + flows[1].npv_usd == pytest.approx(flows[2].npv_usd, abs=1e-9)


def test_sequential_bills_split_the_savings_exactly():
    cal = Calendar(2019)
    tariff = Tariff.simple(energy_rate=0.1, demand_rate=10.0, min_monthly_usd=20.0).on(cal)
    rng = np.random.default_rng(3)
    base = rng.uniform(0.0, 3.0, cal.n_steps)
    loads = [base, base * 0.9, base * 0.5, np.minimum(base, 1.0) * 0.2]
    bills = [bill(tariff, x) for x in loads]
    parts = marginal_bill_savings(bills, ["x", "y", "z"])
    whole = bill_savings(bills[0], bills[-1])
    summed = parts["x"] + parts["y"] + parts["z"]
    for name in ("energy_usd", "demand_usd", "minimum_usd"):
        np.testing.assert_allclose(getattr(summed, name), getattr(whole, name), atol=1e-9)
    # the last load is tiny: the 20 $ minimum binds and eats part of the savings
    assert whole.minimum_usd.sum() < 0
    np.testing.assert_allclose(whole.total_usd, bills[0].total_cost - bills[-1].total_cost, atol=1e-9)


def test_monthly_table_identities_and_hand_values():
    cal = Calendar(2018)
    tariff = Tariff.simple(energy_rate=0.2, demand_rate=5.0, fixed_monthly_usd=8.0).on(cal)
    base = np.full(cal.n_steps, 2.0)
    adjusted = base.copy()
    adjusted[:24] = 1.0                  # January 1: one day at 1 kW
    base_bill, adj_bill = bill(tariff, base), bill(tariff, adjusted)
    program = Technology(bill_savings(base_bill, adj_bill), subsidies_usd=np.full(12, 3.0),
                         fuel_usd=np.full(12, 0.25))
    rows = monthly_table(base_bill, adj_bill, program)
    # January by hand: energy 744 x 2 kWh x 0.2 = 297.6 -> (720 x 2 + 24) x 0.2 = 292.8; peak 2 kW both
    assert rows["energy_cost_usd"][0] == pytest.approx(297.6)
    assert rows["adjusted_energy_cost_usd"][0] == pytest.approx(292.8)
    assert rows["energy_savings_usd"][0] == pytest.approx(4.8)
    assert rows["demand_savings_usd"][0] == pytest.approx(0.0)
    assert rows["total_cost_usd"][0] == pytest.approx(297.6 + 10.0 + 8.0)
    assert rows["total_savings_usd"][0] == pytest.approx(4.8 + 3.0)
    assert rows["net_savings_usd"][0] == pytest.approx(4.8 + 3.0 - 0.25)
    assert rows["net_savings_usd"][1] == pytest.approx(3.0 - 0.25)
    for r in (rows,):
        np.testing.assert_allclose(r["energy_savings_usd"], r["energy_cost_usd"] - r["adjusted_energy_cost_usd"])
        np.testing.assert_allclose(r["total_cost_usd"], r["energy_cost_usd"] + r["demand_cost_usd"]
                                   + r["minimum_charge_usd"] + r["fixed_cost_usd"])
    out = table_to_dict(rows)
    by_key = {row["key"]: row for row in out}
    assert by_key["peak_kw"]["annual"] == 2.0                 # the year's highest, not a sum
    assert by_key["energy_kwh"]["annual"] == pytest.approx(base.sum())
    assert math.isfinite(by_key["net_savings_usd"]["annual"])
