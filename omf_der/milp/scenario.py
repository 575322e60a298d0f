"""A REopt-style scenario (v3 / REopt.jl JSON names) read, checked and completed with defaults.

:func:`parse_scenario` turns the dict into a :class:`Scenario`: every block's inputs with the
defaults of :mod:`omf_der.milp.defaults` filled in, the load on its :class:`~omf_der.Calendar`, the
tariff as a :class:`~omf_der.tariff.Tariff` (read by the same engine that writes the bills) and the
list of warnings. All problems are reported together as :class:`~omf_der.errors.InputErrors`, each
naming the field as ``Block.key``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..calendar import Calendar
from ..errors import InputError, InputErrors
from ..tariff import DEMAND_METHODS, Tariff
from ..tariff.urdb import is_number
from .defaults import BLOCKS, MACRS_SCHEDULES, NO_EFFECT, REFUSED, TOP_LEVEL, Spec

# tariff-engine field names -> the ElectricTariff key they come from
_TARIFF_FIELDS = {"energy_rate": "ElectricTariff.tou_energy_rates_per_kwh"}


@dataclass
class Scenario:
    """A complete, checked scenario. Block dicts hold every input of :data:`BLOCKS` (defaults filled)."""

    site: dict[str, Any]
    load: dict[str, Any]
    storage: dict[str, Any] | None       # None when absent or max_kw/max_kwh is 0 (REopt)
    generator: dict[str, Any] | None     # None when absent or existing_kw + max_kw is 0
    pv: dict[str, Any] | None
    financial: dict[str, Any]
    settings: dict[str, Any]
    tariff: Tariff
    calendar: Calendar
    loads_kw: np.ndarray                 # the load the model serves (existing PV added back, REopt)
    raw: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    def bau(self) -> Scenario:
        """The business-as-usual scenario: no new storage; PV and generator only as existing, at no capex."""
        gen = pv = None
        if self.generator is not None and self.generator["existing_kw"] > 0:
            gen = dict(self.generator, min_kw=0.0, max_kw=0.0, installed_cost_per_kw=0.0)
        if self.pv is not None and self.pv["existing_kw"] > 0:
            pv = dict(self.pv, min_kw=0.0, max_kw=0.0, installed_cost_per_kw=0.0)
        return Scenario(site=self.site, load=self.load, storage=None, generator=gen, pv=pv,
                        financial=self.financial, settings=self.settings, tariff=self.tariff,
                        calendar=self.calendar, loads_kw=self.loads_kw, raw=self.raw, warnings=[])


def parse_scenario(raw: Any) -> Scenario:
    """Check a REopt-style scenario dict and fill in defaults (see the module docstring)."""
    if not isinstance(raw, Mapping):
        raise InputError("scenario", raw, "a JSON object with REopt blocks (ElectricLoad, ElectricTariff, ...)")
    errors: list[InputError] = []
    warnings: list[str] = []
    for key in raw:
        if key not in TOP_LEVEL:
            errors.append(InputError(key, "(block)", "one of the blocks " + ", ".join(TOP_LEVEL)))
    blocks: dict[str, dict[str, Any] | None] = {}
    for name, specs in BLOCKS.items():
        given = raw.get(name)
        if given is None and name not in ("Financial", "Settings", "Site", "ElectricLoad"):
            blocks[name] = None
            continue
        blocks[name] = _read_block(name, given or {}, specs, errors, warnings)
    _read_utility(raw.get("ElectricUtility") or {}, errors, warnings)

    # a bad value was reported and replaced by its default: the checks below still run on the rest
    settings, financial = blocks["Settings"], blocks["Financial"]
    _check_settings(settings, errors)
    load_block = blocks["ElectricLoad"]
    calendar = None
    if load_block["loads_kw"] is None:
        errors.append(InputError("ElectricLoad.loads_kw", None, "a list of kW values, one per time step"))
    if load_block["year"] is None:
        errors.append(InputError("ElectricLoad.year", None, "the calendar year of loads_kw (1900-2100)"))
    if load_block["year"] is not None:
        calendar = Calendar(load_block["year"], settings["time_steps_per_hour"])
        for key in ("loads_kw", "critical_loads_kw"):
            if load_block[key] is not None:
                _series_length(load_block[key], calendar, f"ElectricLoad.{key}", errors)
        if load_block["loads_kw"] is not None and np.any(load_block["loads_kw"] < 0):
            bad = int(np.flatnonzero(load_block["loads_kw"] < 0)[0])
            errors.append(InputError("ElectricLoad.loads_kw", float(load_block["loads_kw"][bad]),
                                     "kW >= 0", detail=f"at step {bad + 1}"))

    tariff = None
    if raw.get("ElectricTariff") is None:
        errors.append(InputError("ElectricTariff", None, "a tariff: urdb_response, urdb_label or simple rates "
                                                         "(e.g. blended_annual_energy_rate)"))
    try:
        tariff = Tariff.from_reopt(raw.get("ElectricTariff") or {})
    except InputErrors as e:
        errors.extend(e.errors)
    except InputError as e:
        errors.append(e)

    if not financial["third_party_ownership"]:
        financial["owner_discount_rate_fraction"] = financial["offtaker_discount_rate_fraction"]
        financial["owner_tax_rate_fraction"] = financial["offtaker_tax_rate_fraction"]
    storage = _complete_storage(blocks["ElectricStorage"], errors)
    generator = _complete_generator(blocks["Generator"], financial, errors)
    pv = _complete_pv(blocks["PV"], calendar, errors)
    if tariff is not None and calendar is not None and settings["demand_method"] in DEMAND_METHODS:
        try:  # lays the rate on the year (cached for the model): series lengths, coincident-peak steps
            tariff.on(calendar, settings["demand_method"])
        except InputError as e:
            errors.append(InputError(_TARIFF_FIELDS.get(e.field, f"ElectricTariff.{e.field}"), e.value,
                                     e.expected, e.detail))
    if errors:
        raise InputErrors(errors)
    assert tariff is not None and calendar is not None

    loads = np.asarray(load_block["loads_kw"], dtype=float)
    if pv is not None and pv["existing_kw"] > 0 and load_block["loads_kw_is_net"]:
        loads = loads + pv["production_factor_series"] * pv["existing_kw"]
        warnings.append("ElectricLoad.loads_kw_is_net: existing PV output was added back to the load (REopt)")
    warnings.extend(f"ElectricTariff: {note}" for note in tariff.notes)
    return Scenario(site=blocks["Site"], load=load_block, storage=storage, generator=generator, pv=pv,
                    financial=financial, settings=settings, tariff=tariff, calendar=calendar,
                    loads_kw=loads, raw=dict(raw), warnings=warnings)


# ---------------------------------------------------------------------- blocks
def _read_block(name: str, given: Any, specs: dict[str, Spec], errors: list[InputError],
                warnings: list[str]) -> dict[str, Any]:
    if isinstance(given, list) and name == "PV":
        if len(given) != 1:
            errors.append(InputError(name, f"{len(given)} PV blocks", "one PV block"))
            return {k: s.default for k, s in specs.items()}
        given = given[0]
    if not isinstance(given, Mapping):
        errors.append(InputError(name, given, "an object of inputs"))
        return {k: s.default for k, s in specs.items()}
    out = {k: s.default for k, s in specs.items()}
    no_effect = NO_EFFECT.get(name, {})
    for key, value in given.items():
        where = f"{name}.{key}"
        if key in specs:
            if value is not None:
                out[key] = _value(where, value, specs[key], errors)
        elif key in no_effect:
            warnings.append(f"{where} accepted with no effect: {no_effect[key]}")
        elif where in REFUSED:
            errors.append(InputError(where, value, "an input this core models", detail=REFUSED[where]))
        else:
            errors.append(InputError(where, value, f"one of the {name} inputs: " + ", ".join(specs)))
    return out


def _read_utility(given: Any, errors: list[InputError], warnings: list[str]) -> None:
    if not isinstance(given, Mapping):
        errors.append(InputError("ElectricUtility", given, "an object of inputs"))
        return
    for key, value in given.items():
        where = f"ElectricUtility.{key}"
        if key in NO_EFFECT["ElectricUtility"]:
            warnings.append(f"{where} accepted with no effect: {NO_EFFECT['ElectricUtility'][key]}")
        else:
            errors.append(InputError(where, value, "an input this core models",
                                     detail=REFUSED.get(where, "unknown ElectricUtility input")))


def _value(where: str, value: Any, spec: Spec, errors: list[InputError]) -> Any:
    kind = spec.kind
    if kind == "bool":
        if isinstance(value, bool):
            return value
        errors.append(InputError(where, value, "true or false"))
    elif kind == "str":
        if isinstance(value, str):
            return value
        errors.append(InputError(where, value, "text"))
    elif kind == "series":
        if isinstance(value, (list, tuple, np.ndarray)) and len(value) and all(is_number(v) for v in value):
            array = np.asarray(value, dtype=float)
            if np.all(np.abs(array) <= spec.hi):
                return array
        errors.append(InputError(where, value,
                                 f"a list of numbers from -{spec.hi:g} to {spec.hi:g}, one per time step"))
    else:
        whole = kind == "int"
        ok = is_number(value) and (not whole or float(value).is_integer())
        if ok and spec.lo <= value <= spec.hi:
            return int(value) if whole else float(value)
        span = f"from {spec.lo:g} to {spec.hi:g}" if math.isfinite(spec.hi) else f">= {spec.lo:g}"
        errors.append(InputError(where, value, f"{'a whole number' if whole else 'a number'} {span}"))
    return spec.default


def _series_length(values: np.ndarray, calendar: Calendar, where: str, errors: list[InputError]) -> None:
    try:
        calendar.check_length(values, where)
    except InputError as e:
        errors.append(e)


def _check_settings(settings: dict[str, Any], errors: list[InputError]) -> None:
    if settings["time_steps_per_hour"] not in (1, 2, 4):
        errors.append(InputError("Settings.time_steps_per_hour", settings["time_steps_per_hour"], "1, 2 or 4"))
        settings["time_steps_per_hour"] = 1
    if settings["solver_name"] != "HiGHS":
        errors.append(InputError("Settings.solver_name", settings["solver_name"], '"HiGHS"'))
    if settings["demand_method"] not in DEMAND_METHODS:
        errors.append(InputError("Settings.demand_method", settings["demand_method"],
                                 " or ".join(f'"{m}"' for m in DEMAND_METHODS)))


def _size_bounds(block: dict[str, Any], name: str, lo: str, hi: str, errors: list[InputError]) -> None:
    if block[lo] > block[hi]:
        errors.append(InputError(f"{name}.{lo}", block[lo], f"at most {name}.{hi} ({block[hi]:g})"))


def _macrs(block: dict[str, Any], name: str, errors: list[InputError]) -> None:
    if block["macrs_option_years"] not in MACRS_SCHEDULES:
        errors.append(InputError(f"{name}.macrs_option_years", block["macrs_option_years"], "0, 5 or 7"))


def _complete_storage(b: dict[str, Any] | None, errors: list[InputError]) -> dict[str, Any] | None:
    if b is None:
        return None
    _size_bounds(b, "ElectricStorage", "min_kw", "max_kw", errors)
    _size_bounds(b, "ElectricStorage", "min_kwh", "max_kwh", errors)
    _size_bounds(b, "ElectricStorage", "min_duration_hours", "max_duration_hours", errors)
    _macrs(b, "ElectricStorage", errors)
    if b["max_kw"] <= 0 or b["max_kwh"] <= 0:
        return None                      # REopt: no storage at all
    root = math.sqrt(b["internal_efficiency_fraction"])
    if b["charge_efficiency"] is None:
        b["charge_efficiency"] = b["rectifier_efficiency_fraction"] * root
    if b["discharge_efficiency"] is None:
        b["discharge_efficiency"] = b["inverter_efficiency_fraction"] * root
    if b["grid_charge_efficiency"] is None:
        b["grid_charge_efficiency"] = b["charge_efficiency"] if b["can_grid_charge"] else 0.0
    if b["discharge_efficiency"] <= 0:
        errors.append(InputError("ElectricStorage.discharge_efficiency", b["discharge_efficiency"], "a fraction > 0"))
    return b


def _complete_generator(g: dict[str, Any] | None, financial: dict[str, Any],
                        errors: list[InputError]) -> dict[str, Any] | None:
    if g is None:
        return None
    _size_bounds(g, "Generator", "min_kw", "max_kw", errors)
    _macrs(g, "Generator", errors)
    if g["existing_kw"] + g["max_kw"] <= 0:
        return None
    if g["installed_cost_per_kw"] is None:
        g["installed_cost_per_kw"] = 650.0 if g["only_runs_during_grid_outage"] else 800.0
    if g["electric_efficiency_half_load"] is None:
        g["electric_efficiency_half_load"] = g["electric_efficiency_full_load"]
    if g["replacement_year"] is None:
        g["replacement_year"] = financial["analysis_years"]
    slope, intercept = fuel_curve(g)
    if slope < 0 or intercept < 0:
        errors.append(InputError("Generator.electric_efficiency_half_load", g["electric_efficiency_half_load"],
                                 "an efficiency that gives a fuel curve with slope and intercept >= 0",
                                 detail=f"slope {slope:.4g} kWh fuel/kWh, intercept {intercept:.4g} kWh fuel/h"))
    elif intercept > 0 and g["min_kw"] != g["max_kw"] and not g["only_runs_during_grid_outage"]:
        # fuel = slope x output + intercept x size x running: linear only for a fixed size
        errors.append(InputError("Generator.electric_efficiency_half_load", g["electric_efficiency_half_load"],
                                 "equal to electric_efficiency_full_load when the generator is sized",
                                 detail="a fuel intercept needs a fixed generator size (min_kw = max_kw)"))
    return g


def fuel_curve(g: dict[str, Any]) -> tuple[float, float]:
    """Fuel use per kWh produced (slope) and per hour running per kW rated (intercept), kWh of fuel.

    From the full- and half-load electric efficiencies as REopt (spec §6.5):
    slope = (1/eta_full - 0.5/eta_half) / 0.5 and intercept = 1/eta_full - slope.
    """
    full, half = g["electric_efficiency_full_load"], g["electric_efficiency_half_load"]
    slope = (1.0 / full - 0.5 / half) / 0.5
    return slope, 1.0 / full - slope


def _complete_pv(p: dict[str, Any] | None, calendar: Calendar | None,
                 errors: list[InputError]) -> dict[str, Any] | None:
    if p is None:
        return None
    _size_bounds(p, "PV", "min_kw", "max_kw", errors)
    _macrs(p, "PV", errors)
    series = p["production_factor_series"]
    if series is None:
        errors.append(InputError("PV.production_factor_series", None,
                                 "kW per kW-DC per step (this core does not call PVWatts)"))
    elif calendar is not None:
        _series_length(series, calendar, "PV.production_factor_series", errors)
        if np.any(series < 0):
            errors.append(InputError("PV.production_factor_series", float(series.min()), "values >= 0"))
    if p["existing_kw"] + p["max_kw"] <= 0:
        return None
    return p


def resolved_inputs(sc: Scenario) -> dict[str, Any]:
    """Every input the model used, defaults filled in, as JSON-ready REopt-named blocks (REopt
    writes the same as ``REoptInputs.json``). Blocks that are absent or sized to zero are ``null``."""
    def plain(block: dict[str, Any] | None) -> dict[str, Any] | None:
        if block is None:
            return None
        return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in block.items()}

    return {"Site": plain(sc.site), "ElectricLoad": plain(sc.load), "ElectricStorage": plain(sc.storage),
            "Generator": plain(sc.generator), "PV": plain(sc.pv), "Financial": plain(sc.financial),
            "Settings": plain(sc.settings), "ElectricTariff": sc.raw.get("ElectricTariff"),
            "served_loads_kw": sc.loads_kw.tolist(), "tariff_notes": list(sc.tariff.notes),
            "warnings": list(sc.warnings)}
