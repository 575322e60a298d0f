"""Thermal virtual batteries: AC/HP bounds by hand, per-device LPs and the WH > AC > HP priority."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from omf_der import Calendar
from omf_der.resources import static_data_path
from omf_der.tariff import Tariff, bill
from omf_der.thermal.dispatch import CHARGING_KW, combine, dispatch_device, dispatch_in_priority
from omf_der.thermal.vbat import DeviceBounds, thermostatic_bounds
from omf_der.thermal.water_heater import water_heater_bounds

YEAR = 2018
OUTDOOR_C = (np.loadtxt(static_data_path("example_temperature_f.csv")) - 32) * 5 / 9
LOAD = np.loadtxt(static_data_path("example_load_kw.csv"))
TARIFF = Tariff.from_urdb(json.loads(static_data_path("example_residential_tariff.json").read_text()))
SERIES = TARIFF.on(Calendar(YEAR), "monthly")
AC = dict(capacitance_kwh_per_c=2.0, resistance_c_per_kw=2.0, power_kw=5.6, cop=2.5,
          setpoint_c=(72.5 - 32) * 5 / 9, deadband_c=2 / 1.8)
HP = dict(AC, cop=3.5, setpoint_c=(67 - 32) * 5 / 9)


# ---------------------------------------------------------------------- bounds by hand
@pytest.mark.parametrize("outdoor", [15.0, 20.0, 27.0, 33.0, 45.0, 50.0])
def test_air_conditioner_bounds_by_hand(outdoor):
    b = thermostatic_bounds("ac", np.array([outdoor]), n_devices=3, **AC)
    share = (math.atan(outdoor - 27) - math.atan(-7)) / (math.atan(18) - math.atan(-7))
    share = min(max(share, 0.0), 1.0)
    base = min(max((outdoor - AC["setpoint_c"]) / (2.0 * 2.5), 0.0), 5.6)
    assert b.p_lower_kw[0] == pytest.approx(3 * share * base)
    assert b.p_upper_kw[0] == pytest.approx(3 * share * (5.6 - base))
    assert b.energy_kwh[0] == pytest.approx(3 * share * 2.0 * (2 / 1.8) / (2 * 2.5))
    if outdoor <= 20.0:          # off season: nothing to offer
        assert b.p_lower_kw[0] == b.p_upper_kw[0] == b.energy_kwh[0] == 0.0


@pytest.mark.parametrize("outdoor", [-20.0, 0.0, 10.0, 18.0, 25.0, 30.0])
def test_heat_pump_bounds_by_hand(outdoor):
    b = thermostatic_bounds("hp", np.array([outdoor]), **HP)
    share = 1 - (math.atan(outdoor - 10) - math.atan(-10)) / (math.atan(15) - math.atan(-10))
    share = min(max(share, 0.0), 1.0)
    base = min(max((HP["setpoint_c"] - outdoor) / (2.0 * 3.5), 0.0), 5.6)
    assert b.p_lower_kw[0] == pytest.approx(share * base)
    assert b.p_upper_kw[0] == pytest.approx(share * (5.6 - base))
    assert b.energy_kwh[0] == pytest.approx(share * 2.0 * (2 / 1.8) / (2 * 3.5))
    if outdoor >= 25.0:
        assert b.p_lower_kw[0] == b.p_upper_kw[0] == b.energy_kwh[0] == 0.0


def test_self_dissipation_is_exact_and_positive():
    # R C = 4 h: exp(-1/4); R C = 0.3 h (allowed inputs): the reference's 1 - 1/0.3 = -2.33 (D29)
    assert thermostatic_bounds("ac", OUTDOOR_C, **AC).alpha == pytest.approx(math.exp(-0.25))
    small = thermostatic_bounds("ac", OUTDOOR_C, **dict(AC, capacitance_kwh_per_c=0.2, resistance_c_per_kw=1.5))
    assert small.alpha == pytest.approx(math.exp(-1 / 0.3)) and small.alpha > 0
    # water heater defaults: R C = 120 x 0.4 = 48 h
    assert _devices()["wh"].alpha == pytest.approx(math.exp(-1 / 48))


# ---------------------------------------------------------------------- dispatch
def _devices() -> dict[str, DeviceBounds]:
    """The reference's default AC, HP and water heater (68 °F around the tank), example weather."""
    wh = water_heater_bounds(OUTDOOR_C, (68 - 32) * 5 / 9, seed=7).as_device()
    return {"hp": thermostatic_bounds("hp", OUTDOOR_C, **HP), "ac": thermostatic_bounds("ac", OUTDOOR_C, **AC),
            "wh": wh}


@pytest.fixture(scope="module")
def priority_result():
    return dispatch_in_priority(_devices(), LOAD, SERIES, {"wh": 3, "ac": 1, "hp": 2})


def test_every_device_keeps_its_bounds_and_dynamics(priority_result):
    for r in priority_result.values():
        b = r.bounds
        assert np.all(r.power_kw <= b.p_lower_kw + 1e-6) and np.all(r.power_kw >= -b.p_upper_kw - 1e-6)
        assert np.all(np.abs(r.energy_kwh) <= b.energy_kwh + 1e-6)
        # e[h] = alpha e[h-1] + u[h] (u = charging = -power, 1-hour steps, e[-1] = 0)
        previous = np.r_[0.0, r.energy_kwh[:-1]]
        np.testing.assert_allclose(r.energy_kwh, b.alpha * previous - r.power_kw, atol=1e-6)


def test_lower_priority_never_charges_with_a_higher_one(priority_result):
    order = [priority_result[k] for k in ("wh", "ac", "hp")]
    for i, high in enumerate(order):
        charging = high.charging_kw > CHARGING_KW
        for low in order[i + 1:]:
            assert np.all(low.charging_kw[charging] <= CHARGING_KW), (high.name, low.name)
    assert all(r.charging_kw.max() > 0 for r in order)     # each device does act


def test_devices_lower_the_bill(priority_result):
    before = bill(SERIES, LOAD).total_cost.sum()
    after = LOAD.copy()
    for name in ("wh", "ac", "hp"):
        after = after - priority_result[name].power_kw
        assert bill(SERIES, after).total_cost.sum() <= before + 1e-6
        before = bill(SERIES, after).total_cost.sum()


def test_monthly_peak_objective_lowers_the_peaks():
    ac = thermostatic_bounds("ac", OUTDOOR_C, **AC)
    r = dispatch_device(ac, LOAD, SERIES, objective="monthly_peak", seed=5, name="ac")
    cal = Calendar(YEAR)
    assert cal.monthly_max(LOAD - r.power_kw).sum() < cal.monthly_max(LOAD).sum() - 0.5


def test_same_inputs_and_seeds_give_identical_dispatch_in_two_processes():
    code = ("import sys, json; sys.path.insert(0, 'tests'); import numpy as np; "
            "from test_thermal_dispatch import _devices, LOAD, SERIES; "
            "from omf_der.thermal.dispatch import dispatch_in_priority; "
            "r = dispatch_in_priority(_devices(), LOAD, SERIES, {'wh': 3, 'ac': 1, 'hp': 2}); "
            "print(json.dumps({k: [v.power_kw.tolist(), v.energy_kwh.tolist()] for k, v in r.items()}))")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            for _ in range(2)]
    assert runs[0] == runs[1] and len(runs[0]) > 1000


def test_combined_series_keep_each_devices_charging(priority_result):
    both = combine(priority_result, LOAD.size)
    wh, ac = priority_result["wh"], priority_result["ac"]
    np.testing.assert_allclose(both.power_kw, sum(r.power_kw for r in priority_result.values()))
    np.testing.assert_allclose(both.charging_kw, sum(r.charging_kw for r in priority_result.values()))
    np.testing.assert_allclose(both.power_kw, both.discharging_kw - both.charging_kw, atol=1e-12)
    # in a step where one device charges and another discharges, neither is hidden by netting (D23)
    mixed = (wh.charging_kw > 0.01) & (ac.discharging_kw > 0.01)
    if mixed.any():
        assert np.all(both.charging_kw[mixed] >= wh.charging_kw[mixed] - 1e-12)
    assert np.all(both.min_power_kw <= both.power_kw + 1e-6) and np.all(both.power_kw <= both.max_power_kw + 1e-6)
    assert combine({}, 5).power_kw.tolist() == [0.0] * 5
    json_ready = priority_result["hp"].to_dict()
    assert len(json_ready["power_kw"]) == LOAD.size and json_ready["seed"] == 2


# ---------------------------------------------------------------------- exports, ratchets, bad input
def test_exporting_hours_are_priced_at_the_export_rate():
    """A house exporting 3 kW from 11 to 15 h (no export credit) while energy costs 0.40 $/kWh then,
    0.10 otherwise: soaking up its own exports is free, shifting into priced hours is not. The
    device must lower the bill (the LP once priced exports at the import price and raised it)."""
    cal = Calendar(YEAR)
    midday = (cal.hour >= 11) & (cal.hour < 15)
    series = Tariff.simple(energy_rate=np.where(midday, 0.40, 0.10)).on(cal)
    load = np.where(midday, -3.0, 1.0)
    n = load.size
    device = DeviceBounds("wh", np.full(n, 0.5), np.full(n, 2.0), np.full(n, 4.0), np.full(n, 0.5), 0.99)
    r = dispatch_device(device, load, series, seed=1, name="wh")
    before, after = bill(series, load).total_cost.sum(), bill(series, load - r.power_kw).total_cost.sum()
    assert after < before


def test_lookback_ratchet_counts_in_the_objective():
    """With a 100 % look-back on all months, the year's highest peak sets every month's demand
    charge; a device that can shave it lowers the bill by 12 months x the shaved kW x the rate."""
    cal = Calendar(YEAR)
    load = np.full(cal.n_steps, 2.0)
    load[1000] = 6.0                                   # one spike in February
    series = Tariff.simple(energy_rate=0.0, demand_rate=10.0, lookback_percent=1.0,
                           lookback_months=[True] * 12).on(cal)
    n = load.size
    device = DeviceBounds("ac", np.full(n, 1.0), np.zeros(n), np.full(n, 5.0), np.full(n, 1.0), 1.0)
    r = dispatch_device(device, load, series, seed=1, name="ac")
    saved = bill(series, load).total_cost.sum() - bill(series, load - r.power_kw).total_cost.sum()
    assert saved == pytest.approx(12 * 1.0 * 10.0, abs=1e-4)


def test_bad_device_inputs_are_input_errors():
    from omf_der.errors import InputError, InputErrors

    with pytest.raises(InputErrors) as info:
        thermostatic_bounds("ac", OUTDOOR_C, **dict(AC, cop=0.0, resistance_c_per_kw=-1.0))
    assert {e.field for e in info.value.errors} == {"ac.cop", "ac.resistance_c_per_kw"}
    with pytest.raises(InputError):
        thermostatic_bounds("boiler", OUTDOOR_C, **AC)
    bad = OUTDOOR_C.copy()
    bad[3] = np.nan
    with pytest.raises(InputErrors):
        thermostatic_bounds("hp", bad, **HP)
    ac = thermostatic_bounds("ac", OUTDOOR_C, **AC)
    with pytest.raises(InputError, match="load_kw"):
        dispatch_device(ac, LOAD[:100], SERIES)
    with pytest.raises(InputError, match="random_seed_ac"):
        dispatch_device(ac, LOAD, SERIES, seed=2**40, name="ac")
    with pytest.raises(InputError, match="seeds"):
        dispatch_in_priority({"ac": ac}, LOAD, SERIES, {})
    with pytest.raises(InputErrors, match="wh.capacitance"):
        water_heater_bounds(OUTDOOR_C, 20.0, capacitance_kwh_per_c=0.0)
