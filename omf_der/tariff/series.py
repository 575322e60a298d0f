"""A :class:`~omf_der.tariff.Tariff` laid on one calendar year: per-step prices and demand groups.

This is the form both the bill and the optimiser read:

* ``energy_rates`` — $/kWh per step and tier, shape (n_steps, n_tiers), with the month's tier
  limits ``energy_tier_limits`` (12, n_tiers) in cumulative kWh;
* ``export_rates`` — $/kWh credited per exported kWh, per step;
* ``groups`` — :class:`DemandGroup` s: sets of steps that share one peak, each with its tiers
  (TOU periods per month, or per contiguous window with ``demand_method="daily_window"``; the
  monthly flat demand; coincident-peak windows); ``ratchet`` gives the flat-demand look-back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..calendar import Calendar
from ..errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from .model import Tariff

KIND_TOU, KIND_FLAT, KIND_COINCIDENT = "tou", "flat", "coincident"


@dataclass(frozen=True, eq=False)
class DemandGroup:
    """Time steps that share one billed peak.

    Attributes
    ----------
    kind : {"tou", "flat", "coincident"}
    month : int
        0-11, the month whose bill carries the charge.
    period : int
        Demand period (index into the tariff's TOU or flat structure; -1 for coincident peaks).
    steps : ndarray of int
        0-based step indices, ascending.
    rates, limits : ndarray, shape (n_tiers,)
        $/kW per tier and cumulative kW limits (``inf`` for the last tier).
    """

    kind: str
    month: int
    period: int
    steps: np.ndarray
    rates: np.ndarray
    limits: np.ndarray


@dataclass(frozen=True, eq=False)
class Ratchet:
    """Flat-demand look-back: billed kW of month m >= ``percent`` x max peak of months ``months[m]``.

    ``months`` is a (12, 12) boolean matrix: ``months[m, k]`` is True when month k's peak counts
    for month m (REopt: fixed look-back months, or the ``range`` months before m, cyclically within
    the modelled year).
    """

    percent: float
    months: np.ndarray


@dataclass(frozen=True, eq=False)
class TariffSeries:
    """Per-step view of a tariff for one :class:`~omf_der.calendar.Calendar` (see module docstring)."""

    tariff: Tariff
    calendar: Calendar
    demand_method: str
    energy_period: np.ndarray            # (n,) energy period of each step (-1 for a price series)
    energy_rates: np.ndarray             # (n, n_tiers) $/kWh
    energy_tier_limits: np.ndarray       # (12, n_tiers) cumulative kWh per month
    export_rates: np.ndarray             # (n,) $/kWh credit
    groups: tuple[DemandGroup, ...]
    ratchet: Ratchet | None
    fixed_usd: np.ndarray                # (12,)
    min_monthly_usd: np.ndarray          # (12,)
    min_annual_usd: float
    # concatenated group arrays for vectorised peaks (reduceat over steps[order])
    group_order: np.ndarray
    group_starts: np.ndarray
    group_rates: np.ndarray              # (G, max tiers)
    group_limits: np.ndarray
    group_month: np.ndarray
    group_kind: np.ndarray               # (G,) str

    @property
    def n_tiers(self) -> int:
        return self.energy_rates.shape[1]

    # ------------------------------------------------------------------ build
    @classmethod
    def build(cls, tariff: Tariff, calendar: Calendar, demand_method: str) -> TariffSeries:
        weekend = calendar.is_weekend
        month, hour = calendar.month, calendar.hour

        def periods(weekday_sched: np.ndarray, weekend_sched: np.ndarray) -> np.ndarray:
            return np.where(weekend, weekend_sched[month, hour], weekday_sched[month, hour])

        if tariff.energy_series_kwh is not None:
            prices = _series_on(tariff.energy_series_kwh, calendar)
            energy_period = np.full(calendar.n_steps, -1)
            energy_rates = prices[:, None]
            limits = np.full((12, 1), np.inf)
            sell = tariff.sell[0] if tariff.sell is not None else 0.0
            export = prices.copy() if tariff.net_metering else np.full(calendar.n_steps, float(sell))
        else:
            energy_period = periods(tariff.energy_weekday, tariff.energy_weekend)
            energy_rates = tariff.energy.rates[energy_period]
            limits = _month_tier_limits(tariff, energy_period, month)
            if tariff.sell is not None:
                export = tariff.sell[energy_period]
            elif tariff.net_metering:
                export = tariff.energy.rates[energy_period, 0]
            else:
                export = np.zeros(calendar.n_steps)

        groups: list[DemandGroup] = []
        if tariff.demand_tou is not None:
            tou_period = periods(tariff.demand_weekday, tariff.demand_weekend)
            groups += _tou_groups(tariff, tou_period, calendar, demand_method)
        if tariff.demand_flat is not None:
            table, starts = tariff.demand_flat, calendar.month_starts
            for m in range(12):
                p = int(tariff.flat_months[m])
                groups.append(DemandGroup(KIND_FLAT, m, p, np.arange(starts[m], starts[m + 1]),
                                          table.rates[p], table.limits[p]))
        for cp in tariff.coincident:
            steps = np.asarray(cp.steps, dtype=int)
            if steps.size == 0 or steps.min() < 0 or steps.max() >= calendar.n_steps:
                raise InputError("coincident_peak_load_active_time_steps", list(cp.steps)[:6],
                                 f"step numbers within the year (1 to {calendar.n_steps}, 1-based)")
            groups.append(DemandGroup(KIND_COINCIDENT, int(month[steps.min()]), -1, np.unique(steps),
                                      np.array([cp.rate_per_kw]), np.array([np.inf])))

        ratchet = _ratchet(tariff)
        width = max((g.rates.size for g in groups), default=1)
        pad = [np.pad(g.rates, (0, width - g.rates.size), mode="edge") for g in groups]
        pad_lim = [np.pad(g.limits, (0, width - g.limits.size), constant_values=np.inf) for g in groups]
        order = np.concatenate([g.steps for g in groups]) if groups else np.zeros(0, int)
        sizes = np.array([g.steps.size for g in groups], dtype=int)
        out = cls(
            tariff=tariff, calendar=calendar, demand_method=demand_method,
            energy_period=energy_period, energy_rates=energy_rates, energy_tier_limits=limits,
            export_rates=np.asarray(export, dtype=float), groups=tuple(groups), ratchet=ratchet,
            fixed_usd=tariff.fixed_monthly_usd(calendar.days_per_month),
            min_monthly_usd=tariff.min_monthly_usd(calendar.days_per_month), min_annual_usd=tariff.min_annual_charge_usd,
            group_order=order, group_starts=np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int),
            group_rates=np.array(pad).reshape(len(groups), width),
            group_limits=np.array(pad_lim).reshape(len(groups), width),
            group_month=np.array([g.month for g in groups], dtype=int),
            group_kind=np.array([g.kind for g in groups], dtype=object))
        for name in ("energy_period", "energy_rates", "energy_tier_limits", "export_rates", "group_order",
                     "group_starts", "group_rates", "group_limits", "group_month", "fixed_usd",
                     "min_monthly_usd"):
            getattr(out, name).flags.writeable = False
        return out

    # ------------------------------------------------------------------ queries
    def group_peaks(self, kw: np.ndarray) -> np.ndarray:
        """Highest kW of each demand group (``kw`` per step; one value per group)."""
        if not self.groups:
            return np.zeros(0)
        return np.maximum.reduceat(kw[self.group_order], self.group_starts)


def _series_on(prices: np.ndarray, calendar: Calendar) -> np.ndarray:
    """An hourly (8760) or per-step price series on the calendar's steps."""
    n = prices.size
    if n == calendar.n_steps:
        return prices.astype(float)
    if n * calendar.steps_per_hour == calendar.n_steps:
        return np.repeat(prices.astype(float), calendar.steps_per_hour)
    raise InputError("tou_energy_rates_per_kwh", f"{n} values",
                     f"8760 hourly values or {calendar.n_steps} (one per step)")


def _month_tier_limits(tariff: Tariff, energy_period: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Cumulative energy-tier limits of each month: those of the multi-tier periods occurring in it."""
    table = tariff.energy
    limits = np.full((12, table.rates.shape[1]), np.inf)
    if table.rates.shape[1] == 1:
        return limits
    present = np.zeros((12, table.n_periods), dtype=bool)
    present[month, energy_period] = True
    for m in range(12):
        tiered = [p for p in np.flatnonzero(present[m]) if table.n_tiers[p] > 1]
        if tiered:
            limits[m] = table.limits[tiered[0]]
    return limits


def _tou_groups(tariff: Tariff, tou_period: np.ndarray, calendar: Calendar, method: str) -> list[DemandGroup]:
    """TOU demand groups: per month and period (monthly), or per contiguous run within a month."""
    table = tariff.demand_tou
    month = calendar.month
    key = month * table.n_periods + tou_period
    if method == "daily_window":
        # a new window wherever the period or the month changes
        cut = np.flatnonzero(np.diff(key) != 0) + 1
        bounds = np.concatenate([[0], cut, [key.size]])
        runs = [(int(bounds[i]), int(bounds[i + 1])) for i in range(bounds.size - 1)]
        groups = [DemandGroup(KIND_TOU, int(month[a]), int(tou_period[a]), np.arange(a, b),
                              table.rates[tou_period[a]], table.limits[tou_period[a]]) for a, b in runs]
    else:
        order = np.argsort(key, kind="stable")
        keys, starts = np.unique(key[order], return_index=True)
        ends = np.append(starts[1:], order.size)
        groups = [DemandGroup(KIND_TOU, int(k // table.n_periods), int(k % table.n_periods),
                              order[a:b], table.rates[k % table.n_periods], table.limits[k % table.n_periods])
                  for k, a, b in zip(keys, starts, ends)]
    # a group whose every tier is free cannot change a bill or a dispatch
    return [g for g in groups if np.any(g.rates != 0)]


def _ratchet(tariff: Tariff) -> Ratchet | None:
    if not tariff.lookback_percent or tariff.demand_flat is None:
        return None
    months = np.zeros((12, 12), dtype=bool)
    if tariff.lookback_range > 0:
        for m in range(12):
            months[m, [(m - k) % 12 for k in range(1, tariff.lookback_range + 1)]] = True
    else:
        months[:, tariff.lookback_months] = True
    months.flags.writeable = False
    return Ratchet(float(tariff.lookback_percent), months)
