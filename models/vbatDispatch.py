"""vbatDispatch: a fleet of N identical thermal devices (air conditioners, heat pumps,
refrigerators or water heaters) run as one PNNL virtual battery against a load and a tariff.

The reference OMF model ``vbatDispatch`` (``reference/omf_derconsumer.md`` §5) takes an hourly
energy-rate curve and twelve monthly demand charges and minimises the sum of monthly peaks. Here
the same engines as derConsumer do the work: the fleet's bounds come from
:mod:`omf_der.thermal`, one PuLP LP dispatches it (objective ``bill``: the bill of the net load
under the tariff, or ``monthly_peak``: the reference's sum of monthly peaks), and the bills, the
monthly table, the cash flow, NPV and payback come from :mod:`omf_der.tariff` and
:mod:`omf_der.economics`. A flat or per-month rate and demand charge are URDB rates too (see the
example tariff); the fleet may export nothing (it sheds at most the load).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from omf_der import __version__, economics, plots
from omf_der.economics import Technology
from omf_der.inputs import FIELDS, Field, Inputs, Schema
from omf_der.inputs.fields import SECTIONS, integer_field, number_field
from omf_der.model_dir import dump_json, series_csv
from omf_der.readers import f_to_c
from omf_der.seeds import SEED_MAX, draw_seed, format_water_heater_random_numbers, water_heater_random_numbers
from omf_der.tariff import Tariff, bill, fetch_rate
from omf_der.thermal import dispatch_device, thermostatic_bounds, water_heater_bounds

NAME = "vbatDispatch"
TITLE = "Virtual Battery Dispatch"
DESCRIPTION = ("A fleet of identical thermal devices (air conditioners, heat pumps, refrigerators or water heaters) "
               "dispatched as one virtual battery against a load and a tariff: monthly bills, savings, cash flow, "
               "net present value and payback.")
STEPS = ("tariff", "virtual battery", "dispatch", "bills", "economics", "plots", "files")
SEED_KEYS = {"dispatch": "random_seed"}        # random_seeds.csv technology -> input field
DEVICES = {"ac": "Air conditioner", "hp": "Heat pump", "rg": "Refrigerator", "wh": "Water heater"}
PLOT_FILES = {"impact_to_demand": "Plot_NewDemand.html", "thermal_power_profile": "Plot_VirtualBatteryPower.html",
              "cash_flow": "Plot_CashFlowProjection.html"}


def _num(name, label, help, unit, default, lo, hi, section="device", **kw) -> Field:
    """A number field of this model (the schema's helper, device section by default)."""
    return number_field(name, section, label, help, unit, default, lo, hi, **kw)


def _int(name, label, help, unit, default, lo, hi, section="device", **kw) -> Field:
    return integer_field(name, section, label, help, unit, default, lo, hi, **kw)


_SHARED = ("demand_curve_kw", "demand_file_name", "temperature_curve_f", "temperature_file_name", "year",
           "use_provided_random_numbers", "wh_random_numbers", "wh_random_numbers_file_name",
           "use_urdb_label", "urdb_label", "tariff", "tariff_file_name", "demand_method",
           "discount_rate_pct", "projection_years", "price_escalation_pct")
FIELDS_LIST: list[Field] = [
    *(FIELDS[name] for name in _SHARED[:7]),
    _int("random_seed", "Random Seed – Dispatch", "Seed of the fleet's dispatch LP (HiGHS).", "", SEED_MAX, 0,
         SEED_MAX, section="general", omf_key="random_seed_PuLP", advanced=True),
    *(FIELDS[name] for name in _SHARED[7:]),
    Field("device_type", "choice", "device", "Device Type", "The kind of thermal device in the fleet.", "", "ac",
          choices=tuple(DEVICES.items()), omf_key="load_type"),
    _int("n_devices", "Number of Devices", "Number of identical devices in the fleet.", "", 1, 1, 1_000_000,
         omf_key="number_devices"),
    _num("power_kw", "Rated Power", "Rated electric power of one device.", "kW", 5.6, 0.05, 7.2, omf_key="power"),
    _num("capacitance_kwh_per_c", "Thermal Capacitance", "Heat stored per degree of one device.", "kWh/°C", 2.0,
         0.2, 2.5, omf_key="capacitance"),
    _num("resistance_c_per_kw", "Thermal Resistance", "Insulation of one device.", "°C/kW", 2.0, 1.5, 140,
         omf_key="resistance"),
    _num("cop", "Coefficient of Performance", "Heat moved per unit of electricity (ignored for water heaters).",
         "", 2.5, 1, 3.5, omf_key="cop"),
    _num("setpoint_f", "Temperature Setpoint", "Thermostat setpoint.", "°F", 72.5, 35.06, 129.2, omf_key="setpoint"),
    _num("deadband_f", "Temperature Deadband", "Full width of the band around the setpoint.", "°F", 2.0, 0.225, 5.4,
         omf_key="deadband"),
    _num("wh_ambient_temperature_f", "Water Heater Surroundings Temperature",
         "Indoor air temperature around water-heater tanks (water heaters only).", "°F", 68.0, 40, 100),
    Field("objective", "choice", "device", "Dispatch Objective",
          "'bill': minimise the bill of the net load under the tariff; 'monthly_peak': minimise the sum of "
          "monthly peaks (the reference model).", "", "bill",
          choices=(("bill", "Lowest bill"), ("monthly_peak", "Lowest monthly peaks (reference)"))),
    _num("unit_cost_usd", "Unit Device Cost", "One-time cost to enrol one device (controls, installation).", "$",
         150.0, 0, 1_000_000, section="financial", omf_key="unitDeviceCost"),
    _num("unit_upkeep_usd_per_year", "Unit Upkeep Cost", "Yearly cost per enrolled device.", "$/year", 5.0, 0,
         1_000_000, section="financial", omf_key="unitUpkeepCost"),
]
SCHEMA = Schema.of(NAME, FIELDS_LIST, {k: v for k, v in {**SECTIONS, "device": "Thermal Device Fleet Inputs"}.items()
                                       if k in ("general", "financial", "device")})


def defaults() -> dict[str, Any]:
    return Inputs.defaults(SCHEMA).to_json_dict()


def parse(data: Mapping[str, Any] | Inputs) -> Inputs:
    if isinstance(data, Inputs) and data.schema.name == NAME:
        return data
    return Inputs.from_dict(data, schema=SCHEMA)


def parse_file(path: str | Path) -> Inputs:
    return Inputs.from_json_file(path, schema=SCHEMA)



def work(model_dir: Path, inputs: Inputs, progress: Callable[[str], None] | None = None,
         timings: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the fleet model; write the raw files into ``model_dir``; return the outputs."""
    report = progress or (lambda step: None)
    timings = timings if timings is not None else {}
    model_dir = Path(model_dir)
    cal = inputs.calendar
    demand = np.asarray(inputs.demand_curve_kw, dtype=float)
    kind = inputs.device_type
    if inputs.use_provided_random_numbers:
        seed, numbers = int(inputs.random_seed), np.asarray(inputs.wh_random_numbers, dtype=float)
    else:
        seed, numbers = draw_seed(), water_heater_random_numbers(draw_seed())

    report("tariff")
    if inputs.use_urdb_label:
        rate, tariff_file = fetch_rate(inputs.urdb_label), "urdbLabel_responseFile_input_vbatDispatch.json"
    else:
        rate, tariff_file = dict(inputs.tariff), "rate_structure_input_vbatDispatch.json"
    tariff = Tariff.from_urdb(rate, "urdb_label" if inputs.use_urdb_label else "tariff")
    series = tariff.on(cal, inputs.demand_method)

    report("virtual battery")
    outdoor_c = f_to_c(np.asarray(inputs.temperature_curve_f, dtype=float))
    params = {"power_kw": inputs.power_kw, "capacitance_kwh_per_c": inputs.capacitance_kwh_per_c,
              "resistance_c_per_kw": inputs.resistance_c_per_kw, "setpoint_c": float(f_to_c(inputs.setpoint_f)),
              "deadband_c": inputs.deadband_f / 1.8, "n_devices": inputs.n_devices}
    if kind == "wh":
        params["ambient_c"] = float(f_to_c(inputs.wh_ambient_temperature_f))
        bounds = water_heater_bounds(outdoor_c, random_numbers=numbers, **params).as_device()
    else:
        params["cop"] = inputs.cop
        bounds = thermostatic_bounds(kind, outdoor_c, **params)

    report("dispatch")
    result = dispatch_device(bounds, demand, series, objective=inputs.objective, seed=seed, name=kind,
                             within_load=True)
    timings["dispatch_seconds"] = result.seconds
    adjusted = np.maximum(demand - result.power_kw, 0.0)

    report("bills")
    base_bill, adjusted_bill = bill(series, demand), bill(series, adjusted)

    report("economics")
    n = inputs.n_devices
    fleet = Technology(economics.bill_savings(base_bill, adjusted_bill),
                       upkeep_usd=np.full(12, inputs.unit_upkeep_usd_per_year * n / 12.0),
                       upfront_cost_usd=inputs.unit_cost_usd * n)
    table = economics.monthly_table(base_bill, adjusted_bill, fleet)
    flow = economics.cash_flow(fleet, inputs.projection_years, inputs.discount_rate_pct / 100.0,
                               inputs.price_escalation_pct / 100.0)

    report("plots")
    ts = cal.timestamps_np
    temp = np.asarray(inputs.temperature_curve_f, dtype=float)
    figures = {
        "impact_to_demand": plots.impact_to_demand(ts, demand, adjusted, temp),
        "thermal_power_profile": plots.thermal_power_profile(ts, min_kw=result.min_power_kw,
                                                             max_kw=result.max_power_kw, actual_kw=result.power_kw),
        "cash_flow": plots.cash_flow(flow.years, savings_usd=flow.savings_usd, costs_usd=flow.costs_usd,
                                     net_usd=flow.net_usd, cumulative_usd=flow.cumulative_usd,
                                     npv_usd=flow.npv_usd, payback_years=flow.payback_years),
    }

    report("files")
    files = {
        "demand_input_vbatDispatch.csv": series_csv(demand),
        "temperature_input_vbatDispatch.csv": series_csv(inputs.temperature_curve_f),
        tariff_file: dump_json(rate),
        "random_seeds.csv": f"technology,seed\ndispatch,{seed}\n",
        "vbatDispatch_inputs.json": dump_json({"device": kind, "label": DEVICES[kind], **params,
                                               "alpha": bounds.alpha, "seed": seed, "objective": inputs.objective}),
        "vbatDispatch_results.json": dump_json(result.to_dict()),
    }
    if kind == "wh":
        files["water_heater_random_numbers.csv"] = format_water_heater_random_numbers(numbers)
    for name, text in files.items():
        (model_dir / name).write_text(text, encoding="utf-8")
    plots.write_plotlyjs(model_dir)
    for name, fig in figures.items():
        plots.write_html(fig, model_dir / PLOT_FILES[name])

    y = fleet.year_one()
    return {
        "model": NAME, "version": __version__,
        "summary": {"npv_usd": flow.npv_usd, "simple_payback_years": flow.payback_years,
                    "year_one_net_savings_usd": y["net_savings_usd"], "year_one_bill_savings_usd": y["bill_savings_usd"],
                    "upfront_cost_usd": y["upfront_cost_usd"], "upfront_subsidy_usd": 0.0,
                    "annual_bill_usd": float(base_bill.total_cost.sum()),
                    "adjusted_annual_bill_usd": float(adjusted_bill.total_cost.sum()),
                    "projection_years": inputs.projection_years, "discount_rate_pct": inputs.discount_rate_pct,
                    "device": kind, "n_devices": n, "objective": inputs.objective,
                    "dispatched_kwh": float(np.abs(result.power_kw).sum() * cal.step_hours)},
        "seeds": {"dispatch": seed},
        "monthly_table": economics.table_to_dict(table),
        "cash_flow": flow.to_dict(),
        "bills": {"base": base_bill.to_dict(optional=True), "adjusted": adjusted_bill.to_dict(optional=True)},
        "series": {k: [float(x) for x in v] for k, v in {
            "demand_kw": demand, "adjusted_kw": adjusted, "temperature_f": temp, "power_kw": result.power_kw,
            "energy_kwh": result.energy_kwh, "min_power_kw": result.min_power_kw,
            "max_power_kw": result.max_power_kw, "max_energy_kwh": bounds.energy_kwh}.items()},
        "dispatch": {"status": result.status, "seed": seed, "objective": inputs.objective, "notes": list(result.notes),
                     "alpha": bounds.alpha},
        "notes": [f"tariff field {note}" for note in tariff.notes] + list(result.notes),
        "plots": {name: plots.figure_json(fig) for name, fig in figures.items()},
    }
