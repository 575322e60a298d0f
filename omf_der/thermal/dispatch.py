"""Dispatch of thermal virtual batteries: one PuLP linear program per device, priority WH > AC > HP.

Sign convention, stated once and used everywhere (plots included): a device's ``power_kw`` is
**+ when it discharges** (runs less than its baseline: serves load) and **- when it charges** (runs
more: extra load); ``min_power_kw = -p_upper`` and ``max_power_kw = +p_lower`` bound it.

Per device, over the year's steps h (``dt`` hours), with charging c_h >= 0 and discharging
d_h >= 0 (power = d - c):

* ``c_h <= p_upper_h`` (0 where a higher-priority device charges), ``d_h <= p_lower_h``;
* energy ``e_h = alpha e_{h-1} + dt (c_h - d_h)`` with ``e_{-1} = 0`` and ``|e_h| <= energy_h``;
* objective ``"bill"`` (default): the bill of ``load + c - d`` under the tariff's per-step energy
  prices, export rates where the net load may turn negative, tier premiums on the month's
  imported kWh, demand groups and the look-back ratchet (the very arrays the bill engine uses),
  plus 1e-6 $/kWh on c + d so that, among equal bills, the device moves least. Exact for
  increasing blocks; what an LP cannot price exactly (declining blocks, periods with different
  tier premiums, net metering with tiers) is approximated and listed in ``DeviceDispatch.notes``;
  ``"monthly_peak"``: the reference's sum of monthly peaks of ``load + c - d`` (same tie-break).

:func:`dispatch_in_priority` dispatches WH, then AC, then HP. Each later device sees the net
load the earlier ones left and may not charge where an earlier one charges; every device's power
and energy stay consistent with its own dynamics and bounds (the reference deleted charging after
the fact and broke them: defect D22). HiGHS solves each LP through PuLP, single-threaded, with the
device's recorded seed.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pulp

from ..calendar import Calendar
from ..errors import InputError
from ..seeds import check_seed
from ..tariff import TariffSeries
from ..tariff.model import tier_widths
from ..tariff.series import KIND_FLAT
from .vbat import DeviceBounds

PRIORITY = ("wh", "ac", "hp")
OBJECTIVES = ("bill", "monthly_peak")
TIE_BREAK_USD_PER_KWH = 1e-6
CHARGING_KW = 1e-9          # below this a device does not count as charging


@dataclass(frozen=True, eq=False)
class DeviceDispatch:
    """A dispatched device: ``power_kw`` (+ discharging, - charging) and ``energy_kwh`` per step."""

    name: str
    bounds: DeviceBounds
    power_kw: np.ndarray
    energy_kwh: np.ndarray
    seed: int
    objective: str
    status: str
    seconds: float
    charge_limit_kw: np.ndarray            # p_upper, 0 where a higher-priority device charges
    notes: tuple[str, ...] = ()            # where the LP's reading of the tariff is approximate
    discharge_limit_kw: np.ndarray | None = None   # p_lower capped at the load (within_load), else None

    @property
    def charging_kw(self) -> np.ndarray:
        return np.maximum(-self.power_kw, 0.0)

    @property
    def discharging_kw(self) -> np.ndarray:
        return np.maximum(self.power_kw, 0.0)

    @property
    def min_power_kw(self) -> np.ndarray:
        """Lowest power per step: charging at the full extra load allowed, ``-p_upper`` (0 in steps
        where a higher-priority device charges)."""
        return -self.charge_limit_kw

    @property
    def max_power_kw(self) -> np.ndarray:
        """Highest power per step: shedding the whole baseline, ``+p_lower`` (capped at the load
        with ``within_load``)."""
        return self.bounds.p_lower_kw if self.discharge_limit_kw is None else self.discharge_limit_kw

    def to_dict(self) -> dict:
        """Plain JSON-ready values (lists of floats), for a run's raw output files (no timings, so
        that the same inputs and seeds give the same file)."""
        return {"name": self.name, "objective": self.objective, "status": self.status, "seed": self.seed,
                "notes": list(self.notes), "alpha": self.bounds.alpha,
                "power_kw": self.power_kw.tolist(), "energy_kwh": self.energy_kwh.tolist(),
                "min_power_kw": self.min_power_kw.tolist(), "max_power_kw": self.max_power_kw.tolist(),
                "max_energy_kwh": self.bounds.energy_kwh.tolist(), "baseline_kw": self.bounds.baseline_kw.tolist()}


@dataclass(frozen=True, eq=False)
class Combined:
    """All thermal devices together (kW / kWh per step).

    ``charging_kw`` and ``discharging_kw`` add up each device's own charging and discharging: a
    water heater charging while an air conditioner discharges shows in both (the reference netted
    them, understating both: defect D23); ``power_kw`` = discharging - charging.
    """

    power_kw: np.ndarray
    charging_kw: np.ndarray
    discharging_kw: np.ndarray
    energy_kwh: np.ndarray
    min_power_kw: np.ndarray
    max_power_kw: np.ndarray
    max_energy_kwh: np.ndarray


def combine(results: Mapping[str, DeviceDispatch], n_steps: int) -> Combined:
    """Sum the devices' series (zeros when there is none)."""
    def total(get) -> np.ndarray:
        return np.sum([get(r) for r in results.values()], axis=0) if results else np.zeros(n_steps)

    return Combined(power_kw=total(lambda r: r.power_kw), charging_kw=total(lambda r: r.charging_kw),
                    discharging_kw=total(lambda r: r.discharging_kw), energy_kwh=total(lambda r: r.energy_kwh),
                    min_power_kw=total(lambda r: r.min_power_kw), max_power_kw=total(lambda r: r.max_power_kw),
                    max_energy_kwh=total(lambda r: r.bounds.energy_kwh))


def dispatch_device(bounds: DeviceBounds, load_kw: np.ndarray, tariff: TariffSeries | None = None, *,
                    objective: str = "bill", seed: int = 0, no_charging: np.ndarray | None = None,
                    name: str = "device", calendar: Calendar | None = None,
                    within_load: bool = False) -> DeviceDispatch:
    """Dispatch one device against ``load_kw`` (kW per step) by a PuLP LP (module docstring).

    ``tariff`` (a :class:`~omf_der.tariff.TariffSeries`) is needed for ``objective="bill"``; for
    ``"monthly_peak"`` the months come from the tariff's calendar or from ``calendar``.
    ``within_load=True`` caps discharging at the load of each step (``d_h <= max(load_h, 0)``): a
    device the home's measured demand includes cannot shed more than the home draws, so the net
    load never turns into an export.
    """
    load = np.asarray(load_kw, dtype=float)
    n = load.size
    if objective not in OBJECTIVES:
        raise InputError("objective", objective, " or ".join(OBJECTIVES))
    if objective == "bill" and tariff is None:
        raise InputError("tariff", None, 'a tariff for objective "bill"')
    if tariff is None and calendar is None:
        raise InputError("calendar", None, "the calendar of the load (or a tariff laid on it)")
    (tariff.calendar if tariff is not None else calendar).check_length(load, "load_kw")
    if not np.all(np.isfinite(load)):
        raise InputError("load_kw", "a value that is not a number", "finite kW values")
    for field in ("p_lower_kw", "p_upper_kw", "energy_kwh"):
        if getattr(bounds, field).shape != (n,):
            raise InputError(f"{name}.{field}", f"{getattr(bounds, field).size} values", f"{n}, one per step")
    check_seed(seed, f"random_seed_{name}")
    t0 = time.perf_counter()
    dt = bounds.step_hours
    upper = np.where(no_charging, 0.0, bounds.p_upper_kw) if no_charging is not None else bounds.p_upper_kw
    lower = np.minimum(bounds.p_lower_kw, np.maximum(load, 0.0)) if within_load else bounds.p_lower_kw
    prob = pulp.LpProblem(f"vbat_{name}", pulp.LpMinimize)
    steps = range(n)
    # a variable whose bounds are both 0 is the constant 0 (None): out of season an air conditioner's
    # LP has nothing to decide, and PuLP's per-variable cost is the bulk of the solve time
    c = _variables(prob, "c", np.zeros(n), upper)
    d = _variables(prob, "d", np.zeros(n), lower)
    e = _variables(prob, "e", -bounds.energy_kwh, bounds.energy_kwh)
    alpha = bounds.alpha
    for h in steps:
        terms = _terms((e[h], 1.0), (c[h], -dt), (d[h], dt), (e[h - 1] if h else None, -alpha))
        if terms:
            prob += pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintEQ, f"energy_{h}", 0.0)
    notes: tuple[str, ...] = ()
    cost = pulp.LpAffineExpression({v: TIE_BREAK_USD_PER_KWH * dt for v in c + d if v is not None})
    if objective == "monthly_peak":
        month = (tariff.calendar if tariff is not None else calendar).month.astype(np.int64)
        peaks = [prob.add_variable(f"peak_{m}", 0.0) for m in range(12)]
        _peak_rows(prob, "month", peaks, [np.flatnonzero(month == m) for m in range(12)], _Net(load, c, d))
        cost += pulp.lpSum(peaks)
    else:
        may_export = load - lower < 0
        bill_cost, notes = _bill_terms(prob, tariff, load, c, d, dt, may_export)
        cost += bill_cost
    prob.setObjective(cost)
    solver = BatchHiGHS(msg=False, threads=1, random_seed=int(seed), presolve="off")  # faster here (bench)
    prob.solve(solver)
    status = pulp.LpStatus[prob.status]
    if status != "Optimal":
        raise RuntimeError(f"thermal dispatch of {name}: the LP is {status}")
    charge = _values(c)
    discharge = _values(d)
    energy = _values(e)
    return DeviceDispatch(name=name, bounds=bounds, power_kw=discharge - charge, energy_kwh=energy, seed=int(seed),
                          objective=objective, status=status, seconds=time.perf_counter() - t0,
                          charge_limit_kw=np.asarray(upper, dtype=float), notes=notes,
                          discharge_limit_kw=np.asarray(lower, dtype=float) if within_load else None)


def dispatch_in_priority(devices: Mapping[str, DeviceBounds], load_kw: np.ndarray, tariff: TariffSeries | None,
                         seeds: Mapping[str, int], objective: str = "bill",
                         calendar: Calendar | None = None, within_load: bool = False) -> dict[str, DeviceDispatch]:
    """Dispatch the devices present among ``wh``, ``ac``, ``hp`` in that order (module docstring);
    ``within_load`` as in :func:`dispatch_device`, against the net load each device sees."""
    unknown = sorted(set(devices) - set(PRIORITY))
    if unknown:
        raise InputError("devices", unknown, "wh, ac or hp")
    missing = sorted(set(devices) - set(seeds))
    if missing:
        raise InputError("seeds", missing, "a recorded seed for every device")
    net = np.asarray(load_kw, dtype=float).copy()
    charging = np.zeros(net.size, dtype=bool)
    out: dict[str, DeviceDispatch] = {}
    for name in PRIORITY:
        if name not in devices:
            continue
        result = dispatch_device(devices[name], net, tariff, objective=objective, seed=seeds[name],
                                 no_charging=charging, name=name, calendar=calendar, within_load=within_load)
        out[name] = result
        net = net - result.power_kw
        charging |= result.charging_kw > CHARGING_KW
    return out


# ---------------------------------------------------------------------- the solver
class BatchHiGHS(pulp.HiGHS):
    """PuLP's HiGHS interface, passing the model in batches.

    PuLP 3.3 adds columns and rows to HiGHS one call at a time and sorts the variables by name
    three times per solve; for a year of hourly steps that costs five times the solve itself.
    This passes the columns and the rows in one call each and reads the solution back once; the
    model (built with PuLP) and the solver (HiGHS, its options and seed) are the same.
    """

    def actualSolve(self, lp: pulp.LpProblem, **kwargs) -> int:
        import highspy

        if lp.sense != pulp.LpMinimize:
            raise ValueError("BatchHiGHS minimises")
        self.createAndConfigureSolver(lp)
        h = lp.solverModel
        variables = lp.variables()
        for i, v in enumerate(variables):
            v.index = i
        inf = highspy.kHighsInf
        n = len(variables)
        lower = np.array([-inf if v.lowBound is None else v.lowBound for v in variables], dtype=float)
        upper = np.array([inf if v.upBound is None else v.upBound for v in variables], dtype=float)
        objective = lp.objective
        cost = np.array([objective.get(v, 0.0) for v in variables], dtype=float)
        h.addVars(n, lower, upper)
        h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        starts, index, value, row_lower, row_upper = [], [], [], [], []
        for i, con in enumerate(lp._constraints.values()):
            con.index = i
            starts.append(len(index))
            for v, k in con.items():
                if k:
                    index.append(v.index)
                    value.append(k)
            lb, ub = con.getLb(), con.getUb()
            row_lower.append(-inf if lb is None else lb)
            row_upper.append(inf if ub is None else ub)
        h.addRows(len(starts), np.array(row_lower), np.array(row_upper), len(index),
                  np.array(starts, dtype=np.int32), np.array(index, dtype=np.int32), np.array(value))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            status, sol_status = self.findSolutionValues(lp)   # PuLP's mapping of the other outcomes
        else:
            status, sol_status = pulp.LpStatusOptimal, pulp.LpSolutionOptimal
            values = h.getSolution().col_value
            for v in variables:
                v.varValue = values[v.index]
        lp.assignStatus(status, sol_status)
        return status


# ---------------------------------------------------------------------- variables
def _variables(prob: pulp.LpProblem, name: str, low: np.ndarray, high: np.ndarray) -> list:
    """One variable per step, None (the constant 0) where both bounds are 0."""
    return [prob.add_variable(f"{name}_{h}", float(lo), float(hi)) if lo or hi else None
            for h, (lo, hi) in enumerate(zip(low, high))]


def _terms(*pairs: tuple) -> dict:
    """``{variable: coefficient}`` of the pairs whose variable exists (constants 0 dropped)."""
    return {v: k for v, k in pairs if v is not None}


def _values(variables: list) -> np.ndarray:
    return np.array([0.0 if v is None else v.varValue for v in variables])


# ---------------------------------------------------------------------- objective pieces
class _Net:
    """The net load of each step as the LP sees it: ``load + c - d``, or, in steps where it may be
    negative (an export, billed differently), ``imports - exports`` with both as variables."""

    def __init__(self, load: np.ndarray, c: list, d: list, imports: dict | None = None) -> None:
        self.load, self.c, self.d, self.imports = load, c, d, imports or {}

    def import_terms(self, h: int) -> tuple[dict, float]:
        """(variable coefficients, constant) of the step's imported kW."""
        if h in self.imports:
            return {self.imports[h]: 1.0}, 0.0
        return _terms((self.c[h], 1.0), (self.d[h], -1.0)), float(self.load[h])


def _peak_rows(prob: pulp.LpProblem, name: str, peaks: list, groups: list[np.ndarray], net: _Net) -> None:
    """peak_g >= the imported kW of every step h of group g (a step the device cannot change
    raises the peak's lower bound instead of adding a row)."""
    for g, steps in enumerate(groups):
        floor = 0.0
        for h in steps:
            terms, constant = net.import_terms(int(h))
            if not terms:
                floor = max(floor, constant)
                continue
            expr = pulp.LpAffineExpression({peaks[g]: 1.0, **{v: -k for v, k in terms.items()}})
            prob += pulp.LpConstraint(expr, pulp.LpConstraintGE, f"{name}_{g}_{h}", constant)
        peaks[g].lowBound = max(peaks[g].lowBound or 0.0, floor)


def _bill_terms(prob: pulp.LpProblem, s: TariffSeries, load: np.ndarray, c: list, d: list, dt: float,
                may_export: np.ndarray) -> tuple[pulp.LpAffineExpression, tuple[str, ...]]:
    """The bill of load + c - d, less its constant part, and notes on what it approximates.

    Energy at per-step prices on imports and ``export_rates`` on exports (in steps that may
    export, imports and exports are variables), tier premiums on the month's imported kWh, every
    demand group's tiered peak of imports, and the look-back ratchet of flat demand.
    """
    notes = []
    n = len(c)
    base = s.energy_base_rates
    linear_exports = s.net_metering and s.n_tiers == 1      # a net-metered kWh is worth the price
    split = [] if linear_exports else [int(h) for h in np.flatnonzero(may_export)]
    imports, exports = {}, {}
    for h in split:
        imports[h] = prob.add_variable(f"imp_{h}", 0.0)
        exports[h] = prob.add_variable(f"exp_{h}", 0.0)
        expr = pulp.LpAffineExpression(_terms((imports[h], 1.0), (exports[h], -1.0), (c[h], -1.0), (d[h], 1.0)))
        prob += pulp.LpConstraint(expr, pulp.LpConstraintEQ, f"net_{h}", float(load[h]))
    net = _Net(load, c, d, imports)
    terms = {}
    for h in range(n):
        if h in imports:
            terms[imports[h]] = base[h] * dt
            terms[exports[h]] = -s.export_rates[h] * dt
        else:
            terms.update(_terms((c[h], base[h] * dt), (d[h], -base[h] * dt)))
    cost = pulp.LpAffineExpression(terms)
    if s.net_metering and s.n_tiers > 1 and split:
        notes.append("net metering with tiers: exports are credited per step, not netted per month and period")
    if s.n_tiers > 1:
        cost += _tier_terms(prob, s, net, dt, notes)
    if s.n_groups:
        cost += _demand_terms(prob, s, net, notes)
    return cost, tuple(notes)


def _tier_terms(prob: pulp.LpProblem, s: TariffSeries, net: _Net, dt: float, notes: list) -> pulp.LpAffineExpression:
    """Tier premiums on each month's imported kWh (exact for increasing blocks)."""
    month = s.calendar.month.astype(np.int64)
    widths = tier_widths(s.energy_tier_limits)
    cost = pulp.LpAffineExpression()
    for m in range(12):
        if not np.any(s.energy_tier_premiums[m]):
            continue
        if not s.energy_tiers_linear[m]:
            notes.append(f"month {m + 1}: periods with different tier premiums priced at the first tiered period's")
        if np.any(np.diff(s.energy_tier_premiums[m]) < 0):
            notes.append(f"month {m + 1}: declining energy blocks filled cheapest first")
        tiers = [prob.add_variable(f"tier_{m}_{u}", 0.0, None if not np.isfinite(w) else float(w))
                 for u, w in enumerate(widths[m])]
        terms, constant = {t: 1.0 for t in tiers}, 0.0
        for h in np.flatnonzero(month == m):
            step_terms, step_constant = net.import_terms(int(h))
            for v, k in step_terms.items():
                terms[v] = terms.get(v, 0.0) - k * dt
            constant += step_constant * dt
        prob += pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintEQ, f"tiers_{m}", constant)
        cost += pulp.lpSum(float(s.energy_tier_premiums[m, u]) * t for u, t in enumerate(tiers))
    return cost


def _demand_terms(prob: pulp.LpProblem, s: TariffSeries, net: _Net, notes: list) -> pulp.LpAffineExpression:
    """Each demand group's tiered peak; flat groups raised to the look-back ratchet."""
    widths = tier_widths(s.group_limits)
    peaks = [prob.add_variable(f"peak_{g}", 0.0) for g in range(s.n_groups)]
    flat = s.group_kind == KIND_FLAT
    ratchet = s.ratchet if flat.any() else None
    per_step = [g for g in range(s.n_groups) if ratchet is None or not flat[g]]
    _peak_rows(prob, "group", [peaks[g] for g in per_step], [s.groups[g].steps for g in per_step], net)
    if ratchet is not None:
        month = s.calendar.month.astype(np.int64)
        month_peak = [prob.add_variable(f"month_peak_{m}", 0.0) for m in range(12)]
        _peak_rows(prob, "month", month_peak, [np.flatnonzero(month == m) for m in range(12)], net)
        for g in np.flatnonzero(flat):
            m = int(s.group_month[g])
            prob += peaks[g] >= month_peak[m]
            for k in np.flatnonzero(ratchet.months[m]):
                prob += peaks[g] >= ratchet.percent * month_peak[int(k)]
    cost = pulp.LpAffineExpression()
    for g in range(s.n_groups):
        if np.any(np.diff(s.group_rates[g]) < 0):
            notes.append(f"demand group {g}: declining demand tiers filled cheapest first")
        tiers = [prob.add_variable(f"dtier_{g}_{e}", 0.0, None if not np.isfinite(w) else float(w))
                 for e, w in enumerate(widths[g])]
        prob += pulp.LpConstraint(pulp.LpAffineExpression({peaks[g]: 1.0, **{t: -1.0 for t in tiers}}),
                                  pulp.LpConstraintEQ, f"dtiers_{g}", 0.0)
        cost += pulp.lpSum(float(s.group_rates[g, e]) * t for e, t in enumerate(tiers))
    return cost
