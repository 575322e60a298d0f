"""PNNL virtual-battery bounds of thermostatically controlled loads: air conditioner, heat pump, fridge.

Hao, Sanandaji, Poolla and Vincent, "Aggregate flexibility of thermostatically controlled loads",
IEEE Trans. Power Systems 30(1), 2015: a fleet of N devices around a setpoint behaves like a
battery whose power may move between ``-p_lower`` (everything off: the fleet sheds its baseline)
and ``+p_upper`` (everything on), and whose stored energy stays within ``+-energy`` (the heat the
deadband can hold), leaking at ``alpha`` per step.

For outdoor temperature theta_a (°C), setpoint theta_s, deadband delta (°C), capacitance C
(kWh/°C), resistance R (°C/kW), rated electric power P (kW) and COP eta (as the reference model,
``reference/omf_derconsumer.md`` §6.1):

* participation pi(theta_a) — the share of devices running in that weather:
  AC ``(atan(theta_a - 27) - atan(-7)) / (atan(18) - atan(-7))``, HP
  ``1 - (atan(theta_a - 10) - atan(-10)) / (atan(15) - atan(-10))``, both clipped to [0, 1];
  fridge 1;
* baseline electric power P0 = (theta_a - theta_s) / (R eta) (AC, fridge) or
  (theta_s - theta_a) / (R eta) (HP), at least 0 and — unlike the reference — at most P (a device
  cannot draw more than its rating);
* ``p_lower = N pi P0``, ``p_upper = N pi (P - P0)``, ``energy = N pi C delta / (2 eta)``;
* self-dissipation ``alpha = exp(-dt / (R C))``, the exact discretisation of the first-order
  model (the reference's ``1 - dt / (R C)`` is negative for R C < dt inside the allowed inputs:
  defect D29).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError, InputErrors

KINDS = ("ac", "hp", "rg")


def check_device(name: str, outdoor_c: np.ndarray, n_devices: int, **positive: float) -> np.ndarray:
    """The temperatures as a finite float array; every parameter in ``positive`` > 0 and N >= 1.

    Raises :class:`InputErrors` naming ``<name>.<parameter>`` for each problem.
    """
    errors = [InputError(f"{name}.{key}", value, "a number > 0") for key, value in positive.items()
              if not (isinstance(value, (int, float, np.number)) and np.isfinite(value) and value > 0)]
    if isinstance(n_devices, bool) or not isinstance(n_devices, (int, np.integer)) or n_devices < 1:
        errors.append(InputError(f"{name}.n_devices", n_devices, "a whole number >= 1"))
    t = np.asarray(outdoor_c, dtype=float)
    if t.ndim != 1 or not np.all(np.isfinite(t)):
        errors.append(InputError(f"{name}.temperature", "values that are not finite numbers",
                                 "one finite temperature (°C) per step"))
    if errors:
        raise InputErrors(errors)
    return t


@dataclass(frozen=True, eq=False)
class DeviceBounds:
    """Per-step virtual-battery limits of a fleet (kW, kWh; all arrays >= 0).

    A dispatch ``u`` (kW, + = charging = extra load) must satisfy ``-p_lower <= u <= p_upper`` and
    the state ``e[h] = alpha e[h-1] + u[h] dt`` (kWh, starting at 0) must stay within +-``energy``.
    """

    kind: str
    p_lower_kw: np.ndarray
    p_upper_kw: np.ndarray
    energy_kwh: np.ndarray
    baseline_kw: np.ndarray
    alpha: float
    step_hours: float = 1.0


def participation(kind: str, outdoor_c: np.ndarray) -> np.ndarray:
    """Share of a fleet that runs at each outdoor temperature (0-1)."""
    t = np.asarray(outdoor_c, dtype=float)
    if kind == "ac":
        share = (np.arctan(t - 27.0) - np.arctan(20.0 - 27.0)) / (np.arctan(45.0 - 27.0) - np.arctan(20.0 - 27.0))
    elif kind == "hp":
        share = 1.0 - (np.arctan(t - 10.0) - np.arctan(0.0 - 10.0)) / (np.arctan(25.0 - 10.0) - np.arctan(0.0 - 10.0))
    elif kind == "rg":
        share = np.ones_like(t)
    else:
        raise InputError("kind", kind, " or ".join(KINDS))
    return np.clip(share, 0.0, 1.0)


def thermostatic_bounds(kind: str, outdoor_c: np.ndarray, *, capacitance_kwh_per_c: float,
                        resistance_c_per_kw: float, power_kw: float, cop: float, setpoint_c: float,
                        deadband_c: float, n_devices: int = 1, step_hours: float = 1.0) -> DeviceBounds:
    """Virtual-battery bounds of N air conditioners (``"ac"``), heat pumps (``"hp"``) or fridges (``"rg"``).

    ``outdoor_c`` has one value per step (°C). See the module docstring for the equations.
    """
    if kind not in KINDS:
        raise InputError("kind", kind, " or ".join(KINDS))
    t = check_device(kind, outdoor_c, n_devices, capacitance_kwh_per_c=capacitance_kwh_per_c,
                     resistance_c_per_kw=resistance_c_per_kw, power_kw=power_kw, cop=cop, deadband_c=deadband_c)
    share = participation(kind, t)
    gap = (setpoint_c - t) if kind == "hp" else (t - setpoint_c)
    baseline = np.clip(gap / (resistance_c_per_kw * cop), 0.0, power_kw)
    fleet = n_devices * share
    energy = fleet * capacitance_kwh_per_c * deadband_c / (2.0 * cop)
    alpha = float(np.exp(-step_hours / (resistance_c_per_kw * capacitance_kwh_per_c)))
    return DeviceBounds(kind=kind, p_lower_kw=fleet * baseline, p_upper_kw=fleet * (power_kw - baseline),
                        energy_kwh=energy, baseline_kw=fleet * baseline, alpha=alpha, step_hours=step_hours)
