"""A :class:`~omf_der.tariff.Tariff` laid on one calendar year: per-step prices and demand groups.

This is the form both the bill and the optimiser read (DESIGN decision 1).

Energy
    ``energy_rates`` — $/kWh per step and tier, shape (n_steps, n_tiers); ``energy_tier_limits`` —
    the month's cumulative tier limits (12, n_tiers). Tiers count the month's total kWh and every
    period's kWh gets the month's tier mix (SAM). That cost is linear in the purchases exactly when,
    in a month, all periods share the same tier *premiums* over their first tier
    (``energy_tiers_linear[m]``, true for untiered months and for single-period months); then the
    month's energy charge is ``sum_h energy_base_rates[h] x kWh_h + sum_u premium[m, u] x kWh in
    tier u`` with ``energy_tier_premiums`` and the tier widths from ``energy_tier_limits``.
Exports
    ``export_rates`` — $/kWh credited per exported kWh, per step; with ``net_metering`` the kWh are
    netted per month and energy period before tiers (see :func:`omf_der.tariff.bill`).
Demand
    Groups of steps that share one billed peak, stored as arrays: the steps of group g are
    ``group_order[group_starts[g]:group_starts[g + 1]]`` (``group_starts`` has G + 1 entries), with
    ``group_kind``, ``group_month``, ``group_period``, tier ``group_rates`` and cumulative
    ``group_limits``. Kinds: TOU (per month and period, or per contiguous window with
    ``demand_method="daily_window"``), flat (one per month) and coincident peaks. ``ratchet``
    raises the *flat* groups' billed kW to the look-back demand. :attr:`TariffSeries.groups` gives
    them as :class:`DemandGroup` objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
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
    the modelled year). It applies to the flat (monthly) demand groups only.
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
    energy_base_rates: np.ndarray        # (n,) $/kWh of the first tier
    energy_tier_premiums: np.ndarray     # (12, n_tiers) $/kWh over the first tier (0 for tier 1)
    energy_tiers_linear: np.ndarray      # (12,) bool: the month's charge is linear as above
    export_rates: np.ndarray             # (n,) $/kWh credit
    net_metering: bool
    ratchet: Ratchet | None
    fixed_usd: np.ndarray                # (12,)
    min_monthly_usd: np.ndarray          # (12,)
    min_annual_usd: float
    group_order: np.ndarray              # steps of all groups, group after group
    group_starts: np.ndarray             # (G + 1,)
    group_kind: np.ndarray               # (G,) str
    group_month: np.ndarray              # (G,)
    group_period: np.ndarray             # (G,)
    group_rates: np.ndarray              # (G, max tiers) $/kW
    group_limits: np.ndarray             # (G, max tiers) cumulative kW

    @property
    def n_tiers(self) -> int:
        return self.energy_rates.shape[1]

    @property
    def is_price_series(self) -> bool:
        """True when energy is priced by a per-step series (no periods or tiers)."""
        return bool(self.energy_period[0] < 0)

    @property
    def n_groups(self) -> int:
        return self.group_month.size

    @cached_property
    def groups(self) -> tuple[DemandGroup, ...]:
        """The demand groups as objects (for inspection and model building)."""
        s = self.group_starts
        return tuple(DemandGroup(str(self.group_kind[g]), int(self.group_month[g]), int(self.group_period[g]),
                                 self.group_order[s[g]:s[g + 1]], self.group_rates[g], self.group_limits[g])
                     for g in range(self.n_groups))

    def group_peaks(self, kw: np.ndarray) -> np.ndarray:
        """Highest kW of each demand group (``kw`` per step; one value per group)."""
        if not self.n_groups:
            return np.zeros(0)
        return np.maximum.reduceat(kw[self.group_order], self.group_starts[:-1])

    # ------------------------------------------------------------------ build
    @classmethod
    def build(cls, tariff: Tariff, calendar: Calendar, demand_method: str) -> TariffSeries:
        weekend = calendar.is_weekend
        month, hour = calendar.month.astype(np.int64), calendar.hour

        def periods(weekday_sched: np.ndarray, weekend_sched: np.ndarray) -> np.ndarray:
            return np.where(weekend, weekend_sched[month, hour], weekday_sched[month, hour])

        if tariff.energy_price_series is not None:
            prices = _series_on(tariff.energy_price_series, calendar)
            energy_period = np.full(calendar.n_steps, -1)
            energy_rates = prices[:, None]
            limits = np.full((12, 1), np.inf)
            premiums, linear = np.zeros((12, 1)), np.ones(12, dtype=bool)
            sell = tariff.sell[0] if tariff.sell is not None else 0.0
            export = prices.copy() if tariff.net_metering else np.full(calendar.n_steps, float(sell))
        else:
            energy_period = periods(tariff.energy_weekday, tariff.energy_weekend)
            energy_rates = tariff.energy.rates[energy_period]
            limits, premiums, linear = _month_tiers(tariff, energy_period, month)
            if tariff.net_metering:
                export = tariff.energy.rates[energy_period, 0]
            elif tariff.sell is not None:
                export = tariff.sell[energy_period]
            else:
                export = np.zeros(calendar.n_steps)

        parts = []
        if tariff.demand_tou is not None:
            tou_period = periods(tariff.demand_weekday, tariff.demand_weekend)
            parts.append(_tou_groups(tariff, tou_period, month, demand_method))
        if tariff.demand_flat is not None:
            parts.append(_flat_groups(tariff, calendar))
        if tariff.coincident:
            parts.append(_coincident_groups(tariff, calendar))
        groups = _concat(parts)

        arrays = dict(
            energy_period=energy_period, energy_rates=energy_rates, energy_tier_limits=limits,
            energy_base_rates=energy_rates[:, 0], energy_tier_premiums=premiums, energy_tiers_linear=linear,
            export_rates=np.asarray(export, dtype=float),
            fixed_usd=tariff.fixed_monthly_usd(calendar.days_per_month),
            min_monthly_usd=tariff.min_monthly_usd(calendar.days_per_month), **groups)
        for a in arrays.values():
            a.flags.writeable = False
        return cls(tariff=tariff, calendar=calendar, demand_method=demand_method,
                   net_metering=tariff.net_metering, ratchet=_ratchet(tariff),
                   min_annual_usd=tariff.min_annual_charge_usd, **arrays)


# ---------------------------------------------------------------------- helpers
def _series_on(prices: np.ndarray, calendar: Calendar) -> np.ndarray:
    """An hourly (8760) or per-step price series on the calendar's steps."""
    n = prices.size
    if n == calendar.n_steps:
        return prices.astype(float)
    if n * calendar.steps_per_hour == calendar.n_steps:
        return np.repeat(prices.astype(float), calendar.steps_per_hour)
    raise InputError("energy_rate", f"{n} values", f"8760 hourly prices or {calendar.n_steps} (one per step)")


def _month_tiers(tariff: Tariff, energy_period: np.ndarray, month: np.ndarray):
    """Tier limits, premiums over the first tier and linearity of each month's energy charge."""
    table = tariff.energy
    width = table.rates.shape[1]
    limits, premiums = np.full((12, width), np.inf), np.zeros((12, width))
    linear = np.ones(12, dtype=bool)
    if width == 1:
        return limits, premiums, linear
    present = np.zeros((12, table.n_periods), dtype=bool)
    present[month, energy_period] = True
    all_premiums = table.rates - table.rates[:, :1]
    for m in range(12):
        periods = np.flatnonzero(present[m])
        tiered = [p for p in periods if table.n_tiers[p] > 1]
        if tiered:
            limits[m] = table.limits[tiered[0]]
            premiums[m] = all_premiums[tiered[0]]
            # equal to well below a cent per MWh (premiums are differences of decimal prices)
            linear[m] = bool(np.allclose(all_premiums[periods], premiums[m], rtol=0.0, atol=1e-9))
    return limits, premiums, linear


def _groups(kind: str, month: np.ndarray, period: np.ndarray, order: np.ndarray, sizes: np.ndarray,
            rates: np.ndarray, limits: np.ndarray) -> dict[str, np.ndarray]:
    return {"kind": np.full(month.size, kind, dtype=object), "month": month, "period": period,
            "order": order, "sizes": sizes, "rates": rates, "limits": limits}


def _tou_groups(tariff: Tariff, tou_period: np.ndarray, month: np.ndarray, method: str) -> dict:
    """TOU demand groups: per month and period (monthly), or per contiguous run within a month."""
    table = tariff.demand_tou
    key = month * table.n_periods + tou_period
    if method == "daily_window":
        # a new window wherever the period or the month changes; steps stay in time order
        starts = np.concatenate([[0], np.flatnonzero(np.diff(key)) + 1])
        order = np.arange(key.size)
    else:
        order = np.argsort(key, kind="stable")
        starts = np.concatenate([[0], np.flatnonzero(np.diff(key[order])) + 1])
    sizes = np.diff(np.append(starts, key.size))
    first = order[starts]
    period = tou_period[first]
    # a group whose every tier is free cannot change a bill or a dispatch: drop it
    keep = np.any(table.rates[period] != 0, axis=1)
    kept_steps = np.repeat(keep, sizes)
    return _groups(KIND_TOU, month[first][keep], period[keep], order[kept_steps], sizes[keep],
                   table.rates[period[keep]], table.limits[period[keep]])


def _flat_groups(tariff: Tariff, calendar: Calendar) -> dict:
    table, period = tariff.demand_flat, np.asarray(tariff.flat_months, dtype=np.int64)
    return _groups(KIND_FLAT, np.arange(12), period, np.arange(calendar.n_steps),
                   np.diff(calendar.month_starts), table.rates[period], table.limits[period])


def _coincident_groups(tariff: Tariff, calendar: Calendar) -> dict:
    steps = []
    for cp in tariff.coincident:
        s = np.unique(np.asarray(cp.steps, dtype=np.int64))
        if s.size == 0 or s[0] < 0 or s[-1] >= calendar.n_steps:
            raise InputError("coincident_peak_load_active_time_steps", list(cp.steps)[:6],
                             f"step numbers within the year (1 to {calendar.n_steps}, 1-based)")
        steps.append(s)
    rates = np.array([[cp.rate_per_kw] for cp in tariff.coincident])
    return _groups(KIND_COINCIDENT, calendar.month[[s[0] for s in steps]].astype(np.int64),
                   np.full(len(steps), -1), np.concatenate(steps), np.array([s.size for s in steps]),
                   rates, np.full_like(rates, np.inf))


def _concat(parts: list[dict]) -> dict[str, np.ndarray]:
    """Stack group blocks; tier tables are padded to the widest (last rate repeated, limit inf)."""
    if not parts:
        parts = [_groups("", np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64),
                         np.zeros(0, np.int64), np.zeros((0, 1)), np.zeros((0, 1)))]
    width = max(p["rates"].shape[1] for p in parts)

    def stack(name: str, fill_last: bool) -> np.ndarray:
        blocks = []
        for p in parts:
            a = p[name]
            extra = width - a.shape[1]
            fill = np.repeat(a[:, -1:], extra, axis=1) if fill_last else np.full((a.shape[0], extra), np.inf)
            blocks.append(np.concatenate([a, fill], axis=1))
        return np.concatenate(blocks)

    sizes = np.concatenate([p["sizes"] for p in parts])
    return {"group_order": np.concatenate([p["order"] for p in parts]).astype(np.int64),
            "group_starts": np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
            "group_kind": np.concatenate([p["kind"] for p in parts]),
            "group_month": np.concatenate([p["month"] for p in parts]).astype(np.int64),
            "group_period": np.concatenate([p["period"] for p in parts]).astype(np.int64),
            "group_rates": stack("rates", True), "group_limits": stack("limits", False)}


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
