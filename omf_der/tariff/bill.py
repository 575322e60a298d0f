"""Monthly bills: :func:`bill` applies a :class:`~omf_der.tariff.Tariff` to a net-load series.

Everything is computed from whole arrays (one ``bincount`` / ``reduceat`` per component): a year
of hourly load bills in about half a millisecond once the tariff's arrays for the year exist. They
are built on the first bill of a tariff, year, step length and demand method (about 0.5-3 ms,
more for ``daily_window`` with many windows) and cached on the tariff.

Exports (negative net load): without net metering every exported kWh is credited at the step's
``export_rates`` and tiers count purchases only. With net metering the month's kWh are netted per
energy period first: a period's net purchases go through the tiers, a period's net export is
credited at its first-tier price (credits are settled in the month; no kWh roll over to later
months, unlike SAM's carry-over option). ``energy_kwh`` and ``export_kwh`` stay the gross flows.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ..calendar import Calendar
from ..errors import InputError
from .model import Tariff, tier_amounts, tiered_cost
from .series import KIND_COINCIDENT, KIND_FLAT, KIND_TOU, TariffSeries

# rows printed by `omf-der bill` (always) and the annual sums
MONTHLY_KEYS = ("energy_kwh", "peak_kw", "energy_cost", "demand_cost_tou", "demand_cost_flat",
                "fixed_cost", "minimum_charge_adder", "total_cost")
ANNUAL_KEYS = ("energy_kwh", "energy_cost", "demand_cost", "fixed_cost", "total_cost")
# rows printed only when they are not all zero (exports, coincident-peak charges)
OPTIONAL_KEYS = ("demand_cost_coincident", "export_kwh", "export_credit")


@dataclass(frozen=True, eq=False)
class Bill:
    """Twelve monthly bills (arrays of 12 values, $ unless the name says kWh/kW).

    ``energy_kwh`` counts purchases (imports) and ``peak_kw`` is the month's highest purchase;
    ``total_cost = energy_cost + demand_cost_tou + demand_cost_flat + demand_cost_coincident
    + fixed_cost + minimum_charge_adder - export_credit``.
    """

    energy_kwh: np.ndarray
    peak_kw: np.ndarray
    energy_cost: np.ndarray
    demand_cost_tou: np.ndarray
    demand_cost_flat: np.ndarray
    demand_cost_coincident: np.ndarray
    fixed_cost: np.ndarray
    minimum_charge_adder: np.ndarray
    export_kwh: np.ndarray
    export_credit: np.ndarray
    total_cost: np.ndarray
    billed_flat_kw: np.ndarray   # the month's peak, raised to the look-back ratchet where one applies

    @property
    def demand_cost(self) -> np.ndarray:
        """All demand charges of each month (TOU + flat + coincident peak)."""
        return self.demand_cost_tou + self.demand_cost_flat + self.demand_cost_coincident

    @property
    def annual(self) -> dict[str, float]:
        """Annual sums: energy_kwh, energy_cost, demand_cost, fixed_cost, total_cost (+ optional rows)."""
        out = {k: float(getattr(self, k).sum()) for k in ANNUAL_KEYS}
        out["minimum_charge_adder"] = float(self.minimum_charge_adder.sum())
        for k in OPTIONAL_KEYS:
            out[k] = float(getattr(self, k).sum())
        return out

    def to_dict(self, optional: bool | None = None) -> dict:
        """``{"monthly": {key: 12 floats}, "annual": {key: float}}`` as ``omf-der bill`` prints it.

        The optional rows (coincident-peak demand, exports) are included when ``optional`` is True,
        or, by default, when any of them is non-zero.
        """
        if optional is None:
            optional = any(getattr(self, k).any() for k in OPTIONAL_KEYS)
        monthly_keys = MONTHLY_KEYS + (OPTIONAL_KEYS if optional else ())
        annual_keys = ANNUAL_KEYS + (OPTIONAL_KEYS if optional else ())
        annual = self.annual
        return {"monthly": {k: [float(x) for x in getattr(self, k)] for k in monthly_keys},
                "annual": {k: annual[k] for k in annual_keys}}

    def to_frame(self):
        """The bill as a pandas DataFrame: one row per month (Jan..Dec) plus an ``Annual`` row."""
        import pandas as pd

        from ..calendar import MONTH_NAMES

        data = {f.name: getattr(self, f.name) for f in fields(self)}
        frame = pd.DataFrame(data, index=list(MONTH_NAMES))
        total = frame.sum()
        total["peak_kw"] = frame["peak_kw"].max()
        total["billed_flat_kw"] = frame["billed_flat_kw"].max()
        frame.loc["Annual"] = total
        return frame


def bill(tariff: Tariff | TariffSeries, load_kw: np.ndarray, calendar: Calendar | None = None,
         demand_method: str = "monthly", field: str = "load_kw") -> Bill:
    """Bill one year of net load.

    Parameters
    ----------
    tariff : Tariff or TariffSeries
        The rate; a :class:`TariffSeries` (``tariff.on(calendar, method)``) is used as is.
    load_kw : array_like
        Net load in kW per step (8760 x steps_per_hour values, step i starting at Jan 1 00:00 +
        i steps). Negative values are exports.
    calendar : Calendar
        The year and step length (not needed when ``tariff`` is a TariffSeries).
    demand_method : {"monthly", "daily_window"}
        ``monthly`` (URDB): one peak per TOU period per month. ``daily_window`` (the reference
        derConsumer): every contiguous run of a TOU period within a month is charged separately.

    Returns
    -------
    Bill
    """
    series = tariff if isinstance(tariff, TariffSeries) else _series(tariff, calendar, demand_method)
    cal = series.calendar
    load = np.asarray(load_kw, dtype=float)
    if load.ndim != 1:
        raise InputError(field, f"an array of shape {load.shape}", "one value per time step")
    cal.check_length(load, field)
    if not np.all(np.isfinite(load)):
        bad = int(np.flatnonzero(~np.isfinite(load))[0])
        raise InputError(field, str(load[bad]), "finite numbers (kW)", detail=f"at step {bad + 1}")

    months = cal.month
    imports = np.maximum(load, 0.0)
    exports = np.maximum(-load, 0.0)
    dt = cal.step_hours
    energy_kwh = np.bincount(months, imports, minlength=12) * dt
    export_kwh = np.bincount(months, exports, minlength=12) * dt
    starts = cal.month_starts[:-1]
    peak_kw = np.maximum.reduceat(imports, starts)

    if series.net_metering and not series.is_price_series:
        energy_cost, export_credit = _net_metered_energy(series, load * dt)
    else:
        energy_cost = _energy_cost(series, imports * dt, energy_kwh)
        export_credit = np.bincount(months, exports * dt * series.export_rates, minlength=12)

    demand = {KIND_TOU: np.zeros(12), KIND_FLAT: np.zeros(12), KIND_COINCIDENT: np.zeros(12)}
    billed_flat_kw = peak_kw.copy()
    if series.n_groups:
        peaks = series.group_peaks(imports)
        flat = series.group_kind == KIND_FLAT
        if series.ratchet is not None and flat.any():
            ratchet = series.ratchet
            # month m's billed kW >= percent x the highest peak of its look-back months
            reference = np.where(ratchet.months, peak_kw[None, :], 0.0).max(axis=1)
            billed_flat_kw = np.maximum(peak_kw, ratchet.percent * reference)
            peaks = peaks.copy()
            peaks[flat] = billed_flat_kw[series.group_month[flat]]
        costs = tiered_cost(peaks, series.group_rates, series.group_limits)
        for kind, total in demand.items():
            mask = series.group_kind == kind
            total += np.bincount(series.group_month[mask], costs[mask], minlength=12)

    fixed = series.fixed_usd.copy()
    before_min = energy_cost - export_credit + demand[KIND_TOU] + demand[KIND_FLAT] + demand[KIND_COINCIDENT] + fixed
    # a minimum tops the month up; without one a net-metering credit may leave the month negative
    minimum = series.min_monthly_usd
    adder = np.where(minimum > 0, np.maximum(minimum - before_min, 0.0), 0.0)
    if series.min_annual_usd:
        # an annual minimum tops the year up in December (as SAM)
        adder[11] += max(series.min_annual_usd - float((before_min + adder).sum()), 0.0)
    total = before_min + adder
    return Bill(energy_kwh=energy_kwh, peak_kw=peak_kw, energy_cost=energy_cost,
                demand_cost_tou=demand[KIND_TOU], demand_cost_flat=demand[KIND_FLAT],
                demand_cost_coincident=demand[KIND_COINCIDENT], fixed_cost=fixed,
                minimum_charge_adder=adder, export_kwh=export_kwh, export_credit=export_credit,
                total_cost=total, billed_flat_kw=billed_flat_kw)


def _series(tariff: Tariff, calendar: Calendar | None, demand_method: str) -> TariffSeries:
    if not isinstance(tariff, Tariff):
        raise TypeError(f"bill() needs a Tariff or TariffSeries, not {type(tariff).__name__}")
    if calendar is None:
        raise TypeError("bill() needs a calendar when given a Tariff")
    return tariff.on(calendar, demand_method)


def _tier_mix(series: TariffSeries, monthly_kwh: np.ndarray) -> np.ndarray:
    """Share of each month's kWh in each tier (the same for every period of the month); (12, U)."""
    in_tier = tier_amounts(monthly_kwh, series.energy_tier_limits)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(monthly_kwh[:, None] > 0, in_tier / monthly_kwh[:, None], 0.0)


def _energy_cost(series: TariffSeries, kwh: np.ndarray, monthly_kwh: np.ndarray) -> np.ndarray:
    """Energy charge per month: tiers on the month's total kWh, each period's kWh at the tier mix."""
    months = series.calendar.month
    if series.n_tiers == 1:
        return np.bincount(months, kwh * series.energy_rates[:, 0], minlength=12)
    # the price of each step at its month's mix: sum over tiers of share x rate
    step_price = np.einsum("nu,nu->n", series.energy_rates, _tier_mix(series, monthly_kwh)[months])
    return np.bincount(months, kwh * step_price, minlength=12)


def _net_metered_energy(series: TariffSeries, net_kwh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Energy charge and export credit per month with kWh netted per month and energy period."""
    rates = series.tariff.energy.rates                                        # (P, U)
    n_periods = rates.shape[0]
    key = series.calendar.month.astype(np.int64) * n_periods + series.energy_period
    net = np.bincount(key, net_kwh, minlength=12 * n_periods).reshape(12, n_periods)
    bought, sold = np.maximum(net, 0.0), np.maximum(-net, 0.0)
    mix = _tier_mix(series, bought.sum(axis=1))                               # (12, U)
    energy_cost = np.einsum("mp,mu,pu->m", bought, mix, rates)
    return energy_cost, sold @ rates[:, 0]
