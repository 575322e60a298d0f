"""Water-heater virtual battery: checks against hand calculations and published figures.

Expected values come from the physics (energy balances worked out by hand), from the formula of
Burch & Christensen (2007) evaluated by hand, from the documented draw-event statistics of
``static_data/make_wh_draws.py`` and from EIA's Residential Energy Consumption Survey; none is
taken from the code's own output.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from omf_der.errors import InputError
from omf_der.resources import static_data_path
from omf_der.seeds import WH_TANKS
from omf_der.thermal.draws import draw_profiles_gpm, events_to_profiles
from omf_der.thermal.water_heater import _jit, mains_temperature_c, validate_random_numbers, water_heater_bounds

SETPOINT_C = 51.667
R_C_PER_KW = 120.0
KJ_PER_GAL_K = 3.785411784 * 4.186        # 1 US gal of water (1 kg/L) x c_w


@pytest.fixture(scope="module")
def outdoor_c() -> np.ndarray:
    """Denver TMY3 outdoor temperature (the shipped example), degC."""
    return (np.loadtxt(static_data_path("example_temperature_f.csv")) - 32.0) / 1.8


@pytest.fixture(scope="module")
def no_draws() -> np.ndarray:
    return np.zeros((19, 525_600), dtype=np.float32)


@pytest.fixture(scope="module")
def example_numbers() -> np.ndarray:
    return np.loadtxt(static_data_path("example_water_heater_random_numbers.csv"), delimiter=",")


@pytest.fixture(scope="module")
def default_run(outdoor_c, example_numbers):
    return water_heater_bounds(outdoor_c, 20.0, n_devices=7, random_numbers=example_numbers)


# --- thermal model without draws --------------------------------------------------------------

def test_ambient_at_setpoint_tanks_do_not_cycle(outdoor_c, no_draws):
    """Ambient = setpoint: no heat is lost, so after the warm-up no tank ever switches on.

    The 10 tanks that start on heat to setpoint + deadband/2 during the warm-up and then relax
    towards the setpoint, which is above the switch-on temperature.
    """
    b = water_heater_bounds(outdoor_c, SETPOINT_C, draws_gpm=no_draws, n_devices=3)
    assert b.annual_energy_kwh_per_device < 1.0
    assert np.allclose(b.p_upper_kw, 3 * 4.5)


def test_standby_loss_matches_hand_calculation(outdoor_c, no_draws):
    """One tank at 20 degC, no draws: power = (setpoint - ambient) / R on average.

    The tank saw-tooths between 50.17 and 53.17 degC, mean about the setpoint 51.667 degC:
    (51.667 - 20) / 120 = 0.2639 kW, 2,311.7 kWh over 8760 h.
    """
    b = water_heater_bounds(outdoor_c, 20.0, draws_gpm=no_draws)
    expected_kw = (SETPOINT_C - 20.0) / R_C_PER_KW
    assert b.baseline_kw.mean() == pytest.approx(expected_kw, rel=0.02)
    assert b.annual_energy_kwh_per_device == pytest.approx(2311.7, rel=0.02)


def test_hourly_ambient_is_the_tank_surroundings(outdoor_c, no_draws):
    """D30: an hourly ambient series is used as given: 10 degC colder surroundings add 10/R kW."""
    warm = water_heater_bounds(outdoor_c, np.full(8760, 20.0), draws_gpm=no_draws)
    cold = water_heater_bounds(outdoor_c, np.full(8760, 10.0), draws_gpm=no_draws)
    assert cold.baseline_kw.mean() - warm.baseline_kw.mean() == pytest.approx(10.0 / R_C_PER_KW, rel=0.03)


# --- mains water temperature (Burch & Christensen 2007) ---------------------------------------

def test_mains_temperature_hand_calculation():
    """Synthetic climate: January 34 degF, July 74 degF, other months 54 degF.

    T_avg = (31*34 + 31*74 + 303*54) / 365 = 54.0 degF; dT = 74 - 34 = 40 degF;
    ratio = 0.4 + 0.01 * 10 = 0.5; lag = 35 - 10 = 25 days. Day 100:
    angle = 0.986 * (100 - 15 - 25) - 90 = -30.84 deg, sin = -0.51260;
    T = 54 + 6 + 0.5 * 20 * (-0.51260) = 54.874 degF = 12.708 degC.
    """
    month_days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    month_f = [34.0] + [54.0] * 5 + [74.0] + [54.0] * 5
    outdoor_c = (np.repeat(month_f, np.array(month_days) * 24) - 32.0) / 1.8
    mains = mains_temperature_c(outdoor_c)
    assert mains.shape == (365,)
    assert mains[99] == pytest.approx(12.708, abs=0.002)
    # coldest day: sin = -1 at 0.986 (d - 40) = 0, i.e. d = 40: 60 - 10 = 50 degF = 10 degC
    assert mains.min() == pytest.approx(10.0, abs=0.01)
    assert np.argmin(mains) + 1 == 40


def test_constant_climate_mains_is_mean_plus_6f():
    """44 degF all year: ratio 0.4 but dT = 0, so the mains are 50 degF = 10 degC every day."""
    assert np.allclose(mains_temperature_c(np.full(8760, (44.0 - 32.0) / 1.8)), 10.0)


def test_mains_temperature_denver(outdoor_c):
    """Denver TMY3, monthly means computed independently with pandas on the 2018 calendar."""
    f = pd.Series(outdoor_c * 1.8 + 32.0, index=pd.date_range("2018-01-01", periods=8760, freq="h"))
    t_avg, monthly = f.mean(), f.groupby(f.index.month).mean()
    d_t = monthly.max() - monthly.min()
    ratio, lag = 0.4 + 0.01 * (t_avg - 44.0), 35.0 - (t_avg - 44.0)
    day = 200
    t_f = t_avg + 6.0 + ratio * d_t / 2.0 * math.sin(math.radians(0.986 * (day - 15 - lag) - 90.0))
    assert mains_temperature_c(outdoor_c)[day - 1] == pytest.approx((t_f - 32.0) / 1.8, abs=1e-9)
    assert 51.0 < t_avg < 52.0                    # static_data/README.md: mean 51.58 degF


# --- draw profiles -----------------------------------------------------------------------------

def _expected_gal_per_day(n: float) -> float:
    """Hot water per day of a household of n occupants, from make_wh_draws.py's table.

    Weekend factors averaged over the week (2/7 of the days): bath 0.06 n (1 + 0.5 * 2/7),
    clothes washer (0.3 + 0.2 n) (1 + 0.5 * 2/7). Shower 0.75 n x 8 min x 1.3 gpm, sink
    4 n x 0.9 gal, bath x 20 gal, washer x 4 min x 1.75 gpm, dishwasher (0.2 + 0.1 n) x 3 x 1.2.
    """
    weekend = 1 + 0.5 * 2 / 7
    return (0.75 * n * 8 * 1.3 + 0.06 * n * weekend * 20 + 4 * n * 0.9
            + (0.3 + 0.2 * n) * weekend * 4 * 1.75 + (0.2 + 0.1 * n) * 3 * 1.2)


def test_daily_draw_volumes_as_documented():
    """Mean and spread of the daily volumes follow the documented event statistics."""
    occupants = np.array([1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5])
    daily = draw_profiles_gpm().reshape(19, 365, 1440).sum(axis=2, dtype=float)
    expected = np.array([_expected_gal_per_day(n) for n in occupants])
    assert 40.0 < daily.mean() < 70.0                       # Building America range for a home
    assert daily.mean() == pytest.approx(expected.mean(), rel=0.03)
    assert np.allclose(daily.mean(axis=1), expected, rtol=0.12)
    assert daily.min() >= 0.0 and daily.std(axis=1).min() > 2.0   # days differ


def test_draws_have_morning_and_evening_peaks():
    hourly = draw_profiles_gpm().reshape(19, 365, 24, 60).mean(axis=(0, 1, 3), dtype=float)
    night = hourly[1:5].mean()
    assert hourly[6:9].mean() > 8 * night
    assert hourly[18:22].mean() > 8 * night
    assert hourly[6:9].mean() > hourly[12:16].mean() < hourly[18:22].mean()


def test_events_to_profiles_sums_and_wraps():
    """Hand-built: overlapping events add up, an event past the year's end continues at minute 0."""
    events = np.array([[0, 10, 3, 2.0], [0, 11, 1, 1.0], [1, 9, 2, 0.5]])
    m = events_to_profiles(events[[0, 2]], n_profiles=2, n_minutes=11)
    assert m[0].tolist() == [2.0, 2.0] + [0.0] * 8 + [2.0]
    m = events_to_profiles(events, n_profiles=2, n_minutes=20)
    assert m[0, 10:13].tolist() == [2.0, 3.0, 2.0] and m[1, 9:11].tolist() == [0.5, 0.5]


# --- with draws: annual energy -------------------------------------------------------------------

def test_annual_energy_energy_balance(outdoor_c, default_run, example_numbers):
    """Electricity = standby loss + heat carried away by the draws (resistance element, no COP).

    Hand calculation per tank i: draw heat = sum over days of V_k(day) gal x 15.846 kJ/(gal K)
    x (setpoint - T_mains(day)) K; the +-5 % noise averages out and shifts of <= 14 minutes
    move almost no volume between days. Standby (51.667 - 20) / 120 kW over 8760 h.
    """
    daily_gal = draw_profiles_gpm().reshape(19, 365, 1440).sum(axis=2, dtype=float)
    mains = mains_temperature_c(outdoor_c)
    k = example_numbers[:, 0].astype(int)
    draw_kwh = (daily_gal[k] * KJ_PER_GAL_K * (SETPOINT_C - mains)).sum() / 3600.0 / WH_TANKS
    standby_kwh = (SETPOINT_C - 20.0) / R_C_PER_KW * 8760
    assert default_run.annual_energy_kwh_per_device == pytest.approx(draw_kwh + standby_kwh, rel=0.03)


def test_annual_energy_plausible(default_run):
    """EIA RECS 2020: households that heat water with electricity used 2,706 kWh on average
    for it (EIA, 2020 RECS, tables CE5.3a/b, June 2023; quoted in DOE VTO Fact of the Week
    #1307). The defaults describe a leaky tank (R = 120 degC/kW, about 2,300 kWh/yr standby)
    and a 3-to-4-person household, so the simulated device should be above that average but
    within about twice it.
    """
    assert 0.75 * 2706 < default_run.annual_energy_kwh_per_device < 2.0 * 2706


# --- bounds ---------------------------------------------------------------------------------------

def test_bounds_properties(default_run):
    b, n = default_run, 7
    for arr in (b.p_lower_kw, b.p_upper_kw, b.energy_kwh, b.baseline_kw):
        assert arr.shape == (8760,) and (arr >= 0).all()
    assert np.allclose(b.p_lower_kw + b.p_upper_kw, n * 4.5)
    assert np.array_equal(b.p_lower_kw, b.baseline_kw)
    assert b.energy_kwh.max() <= n * 0.4 * 3.0 / 2 + 1e-9
    assert b.energy_kwh.mean() > 0.5 * n * 0.4 * 3.0 / 2          # most tanks usually available
    assert b.baseline_kw.sum() == pytest.approx(n * b.annual_energy_kwh_per_device)


def test_same_random_numbers_same_bounds(outdoor_c, default_run, example_numbers):
    again = water_heater_bounds(outdoor_c, 20.0, n_devices=7, random_numbers=example_numbers.copy())
    assert np.array_equal(again.p_upper_kw, default_run.p_upper_kw)
    assert np.array_equal(again.energy_kwh, default_run.energy_kwh)
    assert np.array_equal(again.random_numbers, example_numbers)


def test_seed_reproduces_and_differs(outdoor_c, default_run):
    a = water_heater_bounds(outdoor_c, 20.0, n_devices=7, seed=5)
    b = water_heater_bounds(outdoor_c, 20.0, n_devices=7, random_numbers=a.random_numbers)
    assert np.array_equal(a.p_lower_kw, b.p_lower_kw)
    assert not np.array_equal(a.p_lower_kw, default_run.p_lower_kw)


@pytest.mark.parametrize("change", [
    lambda m: m[:49],                                    # too few rows
    lambda m: np.column_stack([m, m[:, :1]]),            # 4 columns
    lambda m: _set(m, 3, 0, 19.0),                       # profile index out of range
    lambda m: _set(m, 3, 0, 2.5),                        # profile index not whole
    lambda m: _set(m, 4, 1, 1.0),                        # shift above 0
    lambda m: _set(m, 4, 1, -15.0),                      # shift below -14
    lambda m: _set(m, 5, 2, 1.0),                        # u = 1
    lambda m: _set(m, 5, 2, np.nan),
    lambda m: [["a", "b", "c"]] * 50,
])
def test_bad_random_numbers_raise_input_error(example_numbers, change):
    with pytest.raises(InputError) as info:
        validate_random_numbers(change(example_numbers.copy()))
    assert info.value.field == "water_heater_random_numbers"


def _set(m: np.ndarray, row: int, col: int, value: float) -> np.ndarray:
    m[row, col] = value
    return m


def test_compiles_without_a_writable_cache_folder(monkeypatch):
    """Read-only package folder and no user cache folder: numba finds no cache locator and
    raises at decoration; the kernel is then compiled without the disk cache."""
    from numba.core import caching
    monkeypatch.setattr(caching.CacheImpl, "_locator_classes", [])

    def add_one(x):
        return x + 1

    assert _jit(add_one)(1) == 2
