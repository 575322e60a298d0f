"""The :class:`Tariff`: a utility rate as arrays, independent of any calendar year.

A tariff is read once (from a URDB rate record, from REopt-style simple rates, or built directly)
and can then be laid on any :class:`~omf_der.calendar.Calendar` with :meth:`Tariff.on`, which gives
the per-step prices and the demand groups that both the bill (:func:`omf_der.tariff.bill`) and the
optimiser use (DESIGN decision 1: one reading of the tariff for both).

Semantics (URDB documentation; the same as NREL SAM's ``Utilityrate5``):

* **Energy**: each *period* is a list of tiers ``{"rate", "adj", "max"}``; the price is
  ``rate + adj`` $/kWh (not rounded); a tier's ``max`` is the *cumulative* monthly kWh up to which
  the tier applies. Tiers count the month's total purchases; when several periods occur in one
  month, each period's kWh gets the month's tier mix in proportion (so the tier limits of all
  multi-tier periods that occur in a month must agree — SAM refuses other rates too).
* **TOU demand**: for each month and each demand period occurring in it, the highest kW over that
  period's steps, priced with the period's tiers (cumulative kW ``max``).
* **Flat (monthly) demand**: the month's highest kW priced with the tiers of period
  ``flatdemandmonths[month]`` of ``flatdemandstructure``; optionally raised to a ratchet
  (``lookbackpercent`` of the highest peak in the look-back months, as REopt).
* **Fixed charge**: $/month as is, $/day x the days the month covers in the modelled year (a
  leap year's 8760 hours keep Feb 29 and drop Dec 31, so December has 30), $/year / 12.
* **Minimum charge**: a monthly minimum tops each month up; an annual one ($/year, or the older
  ``annualmincharge``) tops the year up in December.
* **Export** (negative net load): with net metering (``usenetmetering`` or ``dgrules``
  "Net Metering") the month's kWh are netted per energy period before tiers and a net export is
  credited at the period's first-tier price (settled in the month, no kWh roll-over); otherwise
  exports are credited at the period's ``sell`` rate (first tier), or at 0 without one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError, InputErrors
from .urdb import NET_METERING_RULES, unwrap_urdb_response, urdb_problems

if TYPE_CHECKING:  # pragma: no cover
    from ..calendar import Calendar
    from .series import TariffSeries

DEMAND_METHODS = ("monthly", "daily_window")
# URDB fields that may appear with a value but do not change our bill; listed in Tariff.notes.
_IGNORED_URDB = {
    "demandreactivepowercharge": "reactive power ($/kVAR) is not modelled",
    "demandratchetpercentage": "older ratchet field; lookbackpercent/lookbackmonths are used instead",
    "fueladjustmentsmonthly": "monthly fuel adjustments are not billed (as REopt and SAM)",
    "demandwindow": "demand is measured on the load's own time step",
}
_RULE_NOTES = {
    "Net Billing Hourly": "exports are credited step by step (the same as hourly at 1 step per hour)",
    "Buy All Sell All": "billed as net billing of the net load (purchases and exports are not "
                        "told apart from on-site generation)",
}


@dataclass(frozen=True, eq=False)
class TierTable:
    """Periods x tiers of one charge, padded to a common number of tiers.

    Attributes
    ----------
    rates : ndarray, shape (n_periods, n_tiers)
        Price of each tier ($/kWh or $/kW). A period with fewer tiers repeats its last tier.
    limits : ndarray, shape (n_periods, n_tiers)
        Cumulative upper limit of each tier (kWh per month or kW); ``inf`` for the last tier.
    n_tiers : ndarray of int, shape (n_periods,)
        Tiers the period really has (before padding).
    """

    rates: np.ndarray
    limits: np.ndarray
    n_tiers: np.ndarray

    @classmethod
    def from_lists(cls, rates: Sequence[Sequence[float]], limits: Sequence[Sequence[float]]) -> TierTable:
        n = np.array([len(r) for r in rates], dtype=int)
        width = int(n.max())
        r = np.array([list(p) + [p[-1]] * (width - len(p)) for p in rates], dtype=float)
        lim = np.array([list(q[:-1]) + [math.inf] * (width - len(q) + 1) for q in limits], dtype=float)
        for a in (r, lim, n):
            a.flags.writeable = False
        return cls(r, lim, n)

    @classmethod
    def flat(cls, rates: Sequence[float]) -> TierTable:
        """One single-tier period per value of ``rates``."""
        return cls.from_lists([[float(x)] for x in rates], [[math.inf] for _ in rates])

    @property
    def n_periods(self) -> int:
        return self.rates.shape[0]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TierTable) and all(
            np.array_equal(a, b) for a, b in ((self.rates, other.rates), (self.limits, other.limits),
                                              (self.n_tiers, other.n_tiers)))

    __hash__ = None  # type: ignore[assignment]


def tiered_cost(amount: np.ndarray, rates: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """Cost of ``amount`` (kWh or kW) under cumulative tiers, row by row.

    ``amount`` has shape (n,), ``rates`` and ``limits`` shape (n, n_tiers); tier ``u`` covers
    ``limits[u-1] < amount <= limits[u]``. Returns shape (n,).
    """
    return (tier_amounts(amount, limits) * rates).sum(axis=-1)


def tier_amounts(amount: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """How much of ``amount`` falls in each cumulative tier; shape ``limits.shape``."""
    amount = np.asarray(amount, dtype=float)[..., None]
    lower = np.concatenate([np.zeros(limits.shape[:-1] + (1,)), limits[..., :-1]], axis=-1)
    with np.errstate(invalid="ignore"):
        return np.clip(np.minimum(amount, limits) - lower, 0.0, None)


def tier_widths(limits: np.ndarray) -> np.ndarray:
    """Width of each cumulative tier (rows of tiers); 0 for padding after an unlimited tier."""
    lower = np.concatenate([np.zeros(limits.shape[:-1] + (1,)), limits[..., :-1]], axis=-1)
    with np.errstate(invalid="ignore"):
        widths = limits - lower
    return np.where(np.isnan(widths), 0.0, widths)


@dataclass(frozen=True)
class CoincidentPeak:
    """A coincident-peak charge: ``rate_per_kw`` x the highest kW over ``steps`` (0-based)."""

    steps: tuple[int, ...]
    rate_per_kw: float


@dataclass(frozen=True, eq=False)
class Tariff:
    """A utility rate, independent of the calendar year (see the module docstring).

    Build one with :meth:`from_urdb`, :meth:`from_reopt` or :meth:`simple`; lay it on a year
    with :meth:`on`; bill a load with :func:`omf_der.tariff.bill`.
    """

    name: str
    energy: TierTable
    energy_weekday: np.ndarray            # (12, 24) period index
    energy_weekend: np.ndarray
    energy_price_series: np.ndarray | None = None  # $/kWh per hour (8760) or per step; overrides energy
    sell: np.ndarray | None = None                # (n_energy_periods,) $/kWh export credit
    net_metering: bool = False
    demand_tou: TierTable | None = None
    demand_weekday: np.ndarray | None = None
    demand_weekend: np.ndarray | None = None
    demand_flat: TierTable | None = None
    flat_months: np.ndarray | None = None         # (12,) period of demand_flat per month
    fixed_charge_usd: float = 0.0
    fixed_charge_unit: str = "$/month"
    min_charge_usd: float = 0.0                   # monthly minimum, in min_charge_unit
    min_charge_unit: str = "$/month"              # "$/month" or "$/day"
    min_annual_charge_usd: float = 0.0
    lookback_percent: float = 0.0                 # fraction 0..1
    lookback_months: np.ndarray | None = None     # (12,) bool
    lookback_range: int = 0
    coincident: tuple[CoincidentPeak, ...] = ()
    notes: tuple[str, ...] = ()
    source: Mapping[str, Any] | None = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_urdb(cls, rate: object, field: str = "tariff") -> Tariff:
        """Read a URDB rate record (API v3/v7/v8 names; an ``{"items": [...]}`` envelope is unwrapped).

        Raises :class:`~omf_der.errors.InputErrors` listing every problem, each naming the field.
        """
        rate = unwrap_urdb_response(rate)
        errors = urdb_problems(rate, field)
        if errors:
            raise InputErrors(errors)
        assert isinstance(rate, dict)
        energy = _tier_table(rate["energyratestructure"])
        kwargs: dict[str, Any] = {}
        if "demandratestructure" in rate:
            kwargs.update(demand_tou=_tier_table(rate["demandratestructure"]),
                          demand_weekday=_schedule(rate["demandweekdayschedule"]),
                          demand_weekend=_schedule(rate["demandweekendschedule"]))
        if "flatdemandstructure" in rate:
            kwargs.update(demand_flat=_tier_table(rate["flatdemandstructure"]),
                          flat_months=_frozen(np.asarray(rate["flatdemandmonths"], dtype=int)))
        sell = np.array([float(p[0].get("sell") or 0.0) for p in rate["energyratestructure"]])
        rules = rate.get("dgrules")
        net_metering = bool(rate.get("usenetmetering")) or rules in NET_METERING_RULES
        if rate.get("fixedchargefirstmeter") is not None:  # the current field wins over the older one
            kwargs.update(fixed_charge_usd=float(rate["fixedchargefirstmeter"]),
                          fixed_charge_unit=rate.get("fixedchargeunits") or "$/month")
        elif rate.get("fixedmonthlycharge") is not None:
            kwargs.update(fixed_charge_usd=float(rate["fixedmonthlycharge"]), fixed_charge_unit="$/month")
        if rate.get("mincharge") is not None:
            unit = rate.get("minchargeunits") or "$/month"
            if unit == "$/year":
                kwargs.update(min_annual_charge_usd=float(rate["mincharge"]))
            else:
                kwargs.update(min_charge_usd=float(rate["mincharge"]), min_charge_unit=unit)
        else:  # older URDB (API v3) names
            kwargs.update(min_charge_usd=float(rate.get("minmonthlycharge") or 0.0),
                          min_annual_charge_usd=float(rate.get("annualmincharge") or 0.0))
        percent = rate.get("lookbackpercent")
        if percent:
            months = rate.get("lookbackmonths")
            kwargs.update(lookback_percent=float(percent),
                          lookback_months=_frozen(np.array([bool(x) for x in months]) if months is not None
                                                  else np.ones(12, bool)),
                          lookback_range=int(rate.get("lookbackrange") or 0))
        notes = [f"{key}: {why}" for key, why in _IGNORED_URDB.items() if rate.get(key) not in (None, 0, [], "")]
        if rules in _RULE_NOTES:
            notes.append(f"dgrules: {_RULE_NOTES[rules]}")
        if percent and "flatdemandstructure" not in rate:
            notes.append("lookbackpercent: the rate has no monthly (flat) demand charge for a ratchet to raise")
        return cls(name=str(rate.get("name") or rate.get("label") or "URDB rate"), energy=energy,
                   energy_weekday=_schedule(rate["energyweekdayschedule"]),
                   energy_weekend=_schedule(rate["energyweekendschedule"]),
                   sell=_frozen(sell) if sell.any() else None, net_metering=net_metering,
                   notes=tuple(notes), source=rate, **kwargs)

    @classmethod
    def simple(cls, energy_rate: float | Sequence[float] | np.ndarray = 0.0,
               demand_rate: float | Sequence[float] = 0.0, *, fixed_monthly_usd: float = 0.0,
               min_monthly_usd: float = 0.0, min_annual_usd: float = 0.0, export_rate: float = 0.0,
               lookback_percent: float = 0.0, lookback_months: Sequence[bool] | None = None,
               lookback_range: int = 0, coincident: Sequence[CoincidentPeak] = (),
               name: str = "simple rate") -> Tariff:
        """A rate from plain numbers.

        Parameters
        ----------
        energy_rate : float, 12 floats or one value per hour (8760) or per step
            $/kWh: blended annual, per month, or a time series.
        demand_rate : float or 12 floats
            $/kW of the month's peak (blended annual or per month); 0 for none.
        """
        rates = np.asarray(energy_rate, dtype=float)
        demand = np.asarray(demand_rate, dtype=float)
        if not np.all(np.isfinite(rates)) or rates.ndim > 1:
            raise InputError("energy_rate", energy_rate, "a finite $/kWh: one number, 12 or one per hour/step")
        if not np.all(np.isfinite(demand)) or demand.shape not in ((), (12,)) or np.any(demand < 0):
            raise InputError("demand_rate", demand_rate, "a $/kW >= 0: one number or 12 (one per month)")
        flat_sched = np.zeros((12, 24), dtype=int)
        series = None
        if rates.ndim == 0:
            table = TierTable.flat([float(rates)])
            sched = flat_sched
        elif rates.shape == (12,):
            table = TierTable.flat(rates)
            sched = np.repeat(np.arange(12)[:, None], 24, axis=1)
        else:
            table, sched, series = TierTable.flat([0.0]), flat_sched, _frozen(rates.copy())
        demand = np.broadcast_to(demand, (12,))
        kw: dict[str, Any] = {}
        if demand.any() or lookback_percent:
            kw.update(demand_flat=TierTable.flat(demand), flat_months=_frozen(np.arange(12)))
        if lookback_percent:
            kw.update(lookback_percent=float(lookback_percent), lookback_range=int(lookback_range),
                      lookback_months=_frozen(np.array(lookback_months if lookback_months is not None
                                                       else [True] * 12, dtype=bool)))
        return cls(name=name, energy=table, energy_weekday=_frozen(sched), energy_weekend=_frozen(sched.copy()),
                   energy_price_series=series, sell=_frozen(np.array([export_rate])) if export_rate else None,
                   fixed_charge_usd=float(fixed_monthly_usd), min_charge_usd=float(min_monthly_usd),
                   min_annual_charge_usd=float(min_annual_usd), coincident=tuple(coincident), **kw)

    @classmethod
    def from_reopt(cls, electric_tariff: Mapping[str, Any], field: str = "ElectricTariff") -> Tariff:
        """Read a REopt (v3 / REopt.jl) ``ElectricTariff`` block; see :mod:`omf_der.tariff.reopt`."""
        from .reopt import tariff_from_reopt

        return tariff_from_reopt(electric_tariff, field)

    # ------------------------------------------------------------------ use
    def on(self, calendar: Calendar, demand_method: str = "monthly") -> TariffSeries:
        """The tariff laid on ``calendar``: per-step prices and demand groups (cached)."""
        from .series import TariffSeries

        if demand_method not in DEMAND_METHODS:
            raise InputError("demand_method", demand_method, " or ".join(DEMAND_METHODS))
        key = (calendar.year, calendar.steps_per_hour, demand_method)
        if key not in self._cache:
            self._cache[key] = TariffSeries.build(self, calendar, demand_method)
        return self._cache[key]

    def fixed_monthly_usd(self, days: np.ndarray) -> np.ndarray:
        """Fixed charge of each month (12 values, $) given the ``days`` each month covers."""
        return _per_month(self.fixed_charge_usd, self.fixed_charge_unit, days)

    def min_monthly_usd(self, days: np.ndarray) -> np.ndarray:
        """Monthly minimum charge of each month (12 values, $)."""
        return _per_month(self.min_charge_usd, self.min_charge_unit, days)

    def with_options(self, **changes: Any) -> Tariff:
        """A copy with some attributes changed (and an empty cache)."""
        return replace(self, _cache={}, **changes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Tariff):
            return NotImplemented
        for f in self.__dataclass_fields__:
            if f in ("_cache", "source"):
                continue
            a, b = getattr(self, f), getattr(other, f)
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                if a is None or b is None or not np.array_equal(a, b):
                    return False
            elif a != b:
                return False
        return True

    __hash__ = None  # type: ignore[assignment]

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_cache"] = {}
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


# ---------------------------------------------------------------------- helpers
def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def _schedule(rows: list) -> np.ndarray:
    return _frozen(np.asarray(rows, dtype=int))


def _tier_table(structure: list) -> TierTable:
    rates = [[float(t.get("rate") or 0.0) + float(t.get("adj") or 0.0) for t in period] for period in structure]
    limits = [[float(t["max"]) if t.get("max") is not None else math.inf for t in period] for period in structure]
    return TierTable.from_lists(rates, limits)


def _per_month(amount: float, unit: str, days: np.ndarray) -> np.ndarray:
    if unit == "$/day":
        return amount * np.asarray(days, dtype=float)
    if unit == "$/year":
        return np.full(12, amount / 12.0)
    return np.full(12, float(amount))
