"""PNNL virtual-battery bounds of a fleet of electric storage water heaters, hourly.

Model (after the PNNL virtual-battery water-heater model that the reference OMF code ports):
50 identical tanks are simulated for a year in 1-minute steps (h = 60 s, T = 525,600 minutes)
and the result is scaled to the fleet of N devices. Each tank is one well-mixed node:

    theta[t+1] = theta[t] + h / (3600 C) * (P s[t] - (theta[t] - theta_amb[t]) / R)
                          - h * c_w * w[t] * (theta[t] - theta_mains[t]) / (3600 C)

with theta the water temperature (deg C), C the thermal capacitance (kWh/degC), R the thermal
resistance to the surroundings (degC/kW), P the element power (kW), s the element state (0/1),
w the hot-water draw (kg/s; gal/min x 3.785411784 kg/gal / 60, i.e. density 1 kg/L) and
c_w = 4.186 kJ/(kg K): c_w w is a heat flow in kW per K, and h/3600 (hours) x kW / C gives
degC. The thermostat switches the element on below setpoint - deadband/2, off above
setpoint + deadband/2 and otherwise keeps its state. A warm-up year without draws (from the
setpoint, first 40 tanks off, last 10 on, as the reference) gives the initial state of the main
year with draws. A tank is *available* while its temperature is within the deadband +- 0.5 degC.

Per minute, ``P_sim`` = sum of the tanks' element power, ``P_upper = 50 P - P_sim``,
``P_lower = P_sim`` and ``E = sum_i C deadband/2 avail_i``; hourly values are means over the
hour's 60 minutes scaled by N/50.

Fixed defects of the reference (``omf_derconsumer.md`` section 12):

* D30 — the tank surroundings are the ``ambient_c`` input (indoor), not the outdoor air;
* D31 — mains water temperature from a correct Burch & Christensen (2007) correlation
  (:func:`mains_temperature_c`);
* D32 — a tank's draws are shifted by exactly r minutes (reference: 1 + r);
* D33 — every one of the 19 profiles is a real draw profile (no index column);
* D34 — draws are clipped at 0 after adding the noise term;
* D35 — no unused baseline, availability is evaluated at every minute including the last;
* D36 — a resistance element turns every kWh into heat: there is no COP in this model;
* D38 — the energy bound is the hourly *mean*, like the power bounds (reference: minute 59).

Speed: the recursion runs in one numba-compiled loop (minutes outside, tanks inside), about
0.2 s per simulated year once compiled. The compiled code is cached on disk
(``@njit(cache=True)``): in ``__pycache__`` beside this file, or, if the package folder is
read-only, in numba's per-user cache folder; ``NUMBA_CACHE_DIR`` chooses another folder. If no
folder is writable the function is compiled at first use in every process (a few seconds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from ..errors import InputError
from ..seeds import WH_DRAW_PROFILES, WH_SHIFT_MAX, WH_SHIFT_MIN, WH_TANKS, check_seed, water_heater_random_numbers
from .draws import MINUTES_PER_YEAR, draw_profiles_gpm
from .vbat import DeviceBounds, check_device

HOURS_PER_YEAR = 8760
DAYS_PER_YEAR = 365
STEP_S = 60.0                                   # simulation step h, seconds
WATER_HEAT_CAPACITY_KJ_PER_KG_K = 4.186
KG_PER_S_PER_GPM = 3.785411784 / 60.0           # US gallon = 3.785411784 L, 1 kg/L
AVAILABILITY_MARGIN_C = 0.5
WARMUP_ON_TANKS = 10                            # the last 10 of the 50 tanks start heating
MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
RANDOM_NUMBERS_FIELD = "water_heater_random_numbers"


@dataclass(frozen=True)
class WaterHeaterBounds:
    """Hourly virtual-battery bounds of a water-heater fleet (arrays of 8760 values).

    Attributes
    ----------
    p_lower_kw : numpy.ndarray
        How much the fleet can reduce its power (= its baseline), kW, >= 0.
    p_upper_kw : numpy.ndarray
        How much the fleet can add to its power, kW, >= 0 (``N P - p_lower_kw``).
    energy_kwh : numpy.ndarray
        Energy limit E_UL of the virtual battery (state of charge within +- E_UL), kWh, >= 0.
    baseline_kw : numpy.ndarray
        Simulated aggregate power of the fleet, kW (equal to ``p_lower_kw``).
    random_numbers : numpy.ndarray
        The 50 x 3 random numbers used (profile index, shift r in minutes, noise factor u).
    annual_energy_kwh_per_device : float
        Simulated electricity use of one water heater over the year, kWh.
    alpha : float
        Hourly self-dissipation of the virtual battery, ``exp(-1 h / (R C))``.
    """

    p_lower_kw: np.ndarray
    p_upper_kw: np.ndarray
    energy_kwh: np.ndarray
    baseline_kw: np.ndarray
    random_numbers: np.ndarray
    annual_energy_kwh_per_device: float
    alpha: float

    def as_device(self) -> DeviceBounds:
        """The bounds in the form the dispatch takes (:class:`~omf_der.thermal.vbat.DeviceBounds`)."""
        return DeviceBounds(kind="wh", p_lower_kw=self.p_lower_kw, p_upper_kw=self.p_upper_kw,
                            energy_kwh=self.energy_kwh, baseline_kw=self.baseline_kw, alpha=self.alpha)


def water_heater_bounds(outdoor_c: np.ndarray, ambient_c: float | np.ndarray = 20.0, *,
                        capacitance_kwh_per_c: float = 0.4, resistance_c_per_kw: float = 120.0,
                        power_kw: float = 4.5, setpoint_c: float = 51.667, deadband_c: float = 3.0,
                        n_devices: int = 1, random_numbers: np.ndarray | None = None, seed: int = 0,
                        draws_gpm: np.ndarray | None = None) -> WaterHeaterBounds:
    """Hourly virtual-battery bounds of ``n_devices`` identical electric storage water heaters.

    Parameters
    ----------
    outdoor_c : numpy.ndarray
        8760 hourly outdoor temperatures, degC; they set the mains-water temperature only.
    ambient_c : float or numpy.ndarray
        Temperature around the tanks (indoor), degC: one value or 8760 hourly values (default
        20 degC = 68 degF).
    capacitance_kwh_per_c : float
        Thermal capacitance C of one tank, kWh/degC (0.4 = about 100 gallons of water).
    resistance_c_per_kw : float
        Thermal resistance R of one tank to its surroundings, degC/kW.
    power_kw : float
        Element power P of one tank, kW.
    setpoint_c, deadband_c : float
        Thermostat setpoint and full deadband width, degC.
    n_devices : int
        Number N of water heaters in the fleet; the 50 simulated tanks are scaled by N/50.
    random_numbers : numpy.ndarray, optional
        50 x 3 matrix (profile index 0 ... 18, shift r in -14 ... 0 minutes, noise u in [0, 1))
        as saved with a run; reproduces that run exactly. Drawn from ``seed`` when omitted.
    seed : int
        Seed of :func:`omf_der.seeds.water_heater_random_numbers` when ``random_numbers`` is None.
    draws_gpm : numpy.ndarray, optional
        Replacement draw profiles, gal/min, shape ``(19, 525600)`` (e.g. metered flows, or zeros
        for a tank without draws); the shipped profiles (:mod:`omf_der.thermal.draws`) otherwise.

    Returns
    -------
    WaterHeaterBounds

    Raises
    ------
    InputError
        ``random_numbers`` is not a valid 50 x 3 matrix (field ``water_heater_random_numbers``).
    """
    check_device("wh", _hourly(outdoor_c, "outdoor_c"), n_devices, capacitance_kwh_per_c=capacitance_kwh_per_c,
                 resistance_c_per_kw=resistance_c_per_kw, power_kw=power_kw, deadband_c=deadband_c)
    if random_numbers is None:
        numbers = water_heater_random_numbers(check_seed(seed, "random_seed_wh"))
    else:
        numbers = validate_random_numbers(random_numbers)
    profiles = draw_profiles_gpm() if draws_gpm is None else _checked_profiles(draws_gpm)
    ambient = _hourly(ambient_c, "ambient_c")
    mains = mains_temperature_c(_hourly(outdoor_c, "outdoor_c"))
    tank = _Tank(capacitance_kwh_per_c, resistance_c_per_kw, power_kw, setpoint_c, deadband_c)

    theta = np.full(WH_TANKS, setpoint_c)
    on = np.zeros(WH_TANKS, dtype=np.int8)
    on[WH_TANKS - WARMUP_ON_TANKS:] = 1
    common = (ambient, mains, profiles, numbers[:, 0].astype(np.int64), numbers[:, 1].astype(np.int64),
              numbers[:, 2].copy(), *tank.coefficients())
    _simulate_year(theta, on, *common, False)                       # warm-up, no draws
    on_hours, available_hours = _simulate_year(theta, on, *common, True)

    scale = n_devices / WH_TANKS
    baseline = on_hours * power_kw * scale
    return WaterHeaterBounds(
        p_lower_kw=baseline,
        p_upper_kw=(WH_TANKS - on_hours) * power_kw * scale,
        energy_kwh=available_hours * capacitance_kwh_per_c * deadband_c / 2.0 * scale,
        baseline_kw=baseline.copy(),
        random_numbers=numbers,
        annual_energy_kwh_per_device=float(on_hours.sum() * power_kw / WH_TANKS),
        alpha=float(np.exp(-1.0 / (resistance_c_per_kw * capacitance_kwh_per_c))),
    )


def mains_temperature_c(outdoor_c: np.ndarray) -> np.ndarray:
    """Daily mains (cold) water temperature, degC, 365 values, from hourly outdoor temperatures.

    Burch & Christensen (2007), "Towards development of an algorithm for mains water
    temperature", NREL (ASES Solar 2007), in degF:

        T_mains(d) = T_avg + 6 + ratio * (dT / 2) * sin((0.986 (d - 15 - lag) - 90) * pi / 180)
        ratio = 0.4 + 0.01 (T_avg - 44),    lag = 35 - (T_avg - 44)   [days]

    with T_avg the annual mean outdoor temperature, dT the difference between the warmest and
    the coldest of the 12 monthly mean outdoor temperatures (months of a normal 365-day year)
    and d the day of the year (1 ... 365). Fixes D31.

    Parameters
    ----------
    outdoor_c : numpy.ndarray
        8760 hourly outdoor temperatures, degC, starting 1 January 00:00.
    """
    outdoor_f = np.asarray(outdoor_c, dtype=float) * 1.8 + 32.0
    month_starts = np.concatenate([[0], np.cumsum(MONTH_DAYS[:-1]) * 24])
    monthly_f = np.add.reduceat(outdoor_f, month_starts) / (np.asarray(MONTH_DAYS) * 24)
    t_avg_f = outdoor_f.mean()
    delta_f = monthly_f.max() - monthly_f.min()
    ratio = 0.4 + 0.01 * (t_avg_f - 44.0)
    lag_days = 35.0 - (t_avg_f - 44.0)
    day = np.arange(1, DAYS_PER_YEAR + 1)
    mains_f = t_avg_f + 6.0 + ratio * delta_f / 2.0 * np.sin(np.radians(0.986 * (day - 15 - lag_days) - 90.0))
    return (mains_f - 32.0) / 1.8


def validate_random_numbers(numbers: np.ndarray) -> np.ndarray:
    """The 50 x 3 water-heater random numbers as floats, or :class:`InputError` naming the field.

    Column 0: profile index, integer 0 ... 18; column 1: shift r, integer -14 ... 0 (minutes);
    column 2: noise factor u, 0 <= u < 1.
    """
    expected = (f"{WH_TANKS} rows of 3 numbers: a profile index 0 ... {WH_DRAW_PROFILES - 1}, "
                f"a whole number of minutes {WH_SHIFT_MIN} ... {WH_SHIFT_MAX}, a number 0 <= u < 1")
    try:
        arr = np.array(numbers, dtype=float)
    except (TypeError, ValueError):
        raise InputError(RANDOM_NUMBERS_FIELD, numbers, expected) from None
    if arr.shape != (WH_TANKS, 3) or not np.isfinite(arr).all():
        raise InputError(RANDOM_NUMBERS_FIELD, numbers, expected)
    k, r, u = arr.T
    bad = ((k != np.round(k)) | (k < 0) | (k >= WH_DRAW_PROFILES) | (r != np.round(r))
           | (r < WH_SHIFT_MIN) | (r > WH_SHIFT_MAX) | (u < 0) | (u >= 1))
    if bad.any():
        raise InputError(RANDOM_NUMBERS_FIELD, numbers, expected, detail=f"row {int(np.argmax(bad)) + 1}")
    return arr


@dataclass(frozen=True)
class _Tank:
    """Parameters of one tank and the per-step coefficients of its recursion."""

    capacitance_kwh_per_c: float
    resistance_c_per_kw: float
    power_kw: float
    setpoint_c: float
    deadband_c: float

    def coefficients(self) -> tuple[float, ...]:
        """Kernel arguments: b, P, R, c_w per gal/min, switch-on/off and availability limits.

        ``b = h / (3600 C)`` (degC per kW held for one step) turns a heat flow into a temperature
        change; ``c_w x 3.785411784 / 60`` (kW/K per gal/min) turns a draw into a heat flow per K.
        """
        b = STEP_S / (3600.0 * self.capacitance_kwh_per_c)
        half = self.deadband_c / 2.0
        low, high = self.setpoint_c - half, self.setpoint_c + half
        return (b, self.power_kw, self.resistance_c_per_kw,
                WATER_HEAT_CAPACITY_KJ_PER_KG_K * KG_PER_S_PER_GPM,
                low, high, low - AVAILABILITY_MARGIN_C, high + AVAILABILITY_MARGIN_C)


def _jit(fn):
    """``numba.njit(cache=True)``, or without the disk cache if numba finds no writable folder."""
    try:
        return njit(cache=True)(fn)
    except RuntimeError:            # numba: "cannot cache function ...: no locator available"
        return njit(fn)


@_jit
def _simulate_year(theta, on, ambient_h, mains_d, profiles, k, r, u, b, power_kw, resistance,
                   kw_per_k_per_gpm, low, high, avail_low, avail_high, with_draws):
    """Advance the tanks through one year in place; hourly mean number of tanks on / available.

    ``theta`` (degC) and ``on`` (0/1) hold the state at minute 0 on entry and the state after the
    last minute on return. Draw of tank i at minute t, gal/min:
    ``max(0, m_k[(t - r) mod T] + 0.1 (u - 0.5) m_k[t])``.
    """
    n_minutes = profiles.shape[1]
    n_tanks = theta.shape[0]
    on_hours = np.zeros(n_minutes // 60)
    available_hours = np.zeros(n_minutes // 60)
    for t in range(n_minutes):
        hour = t // 60
        amb = ambient_h[hour]
        mains = mains_d[t // 1440]
        n_on = 0
        n_available = 0
        for i in range(n_tanks):
            th = theta[i]
            if avail_low <= th <= avail_high:
                n_available += 1
            n_on += on[i]
            dtheta = b * (power_kw * on[i] - (th - amb) / resistance)
            if with_draws:
                profile = profiles[k[i]]
                shifted = t - r[i]
                if shifted >= n_minutes:
                    shifted -= n_minutes
                gpm = profile[shifted] + 0.1 * (u[i] - 0.5) * profile[t]
                if gpm > 0.0:
                    dtheta -= b * kw_per_k_per_gpm * gpm * (th - mains)
            th += dtheta
            theta[i] = th
            if th > high:
                on[i] = 0
            elif th < low:
                on[i] = 1
        on_hours[hour] += n_on / 60.0
        available_hours[hour] += n_available / 60.0
    return on_hours, available_hours


def _hourly(values: float | np.ndarray, name: str) -> np.ndarray:
    """A scalar or 8760 hourly values as a float array of 8760."""
    arr = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise InputError(name, "values that are not finite numbers", "finite temperatures (°C)")
    if arr.ndim == 0:
        return np.full(HOURS_PER_YEAR, float(arr))
    if arr.shape != (HOURS_PER_YEAR,):
        raise InputError(name, f"an array of shape {arr.shape}", f"one value or {HOURS_PER_YEAR} hourly values (°C)")
    return arr


def _checked_profiles(profiles: np.ndarray) -> np.ndarray:
    """Replacement draw profiles as a C-contiguous float32 ``(19, 525600)`` array."""
    arr = np.ascontiguousarray(profiles, dtype=np.float32)
    if arr.shape != (WH_DRAW_PROFILES, MINUTES_PER_YEAR):
        raise ValueError(f"draw profiles must have shape ({WH_DRAW_PROFILES}, {MINUTES_PER_YEAR}), "
                         f"got {arr.shape}")
    return arr
