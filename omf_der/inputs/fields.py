"""The inputs schema: every input of the derConsumer model, with type, unit, default, range and
help text. The web form, the JSON Schema, the CLI and the docs are all generated from
:data:`FIELDS`; nothing else lists the inputs.

Names are ours (snake case with units); ``omf_key`` is the key the reference model (OMF
``derConsumer``) uses in its ``allInputData.json``, so its input files load unchanged.
Ranges are those of the model's user documentation where it gives one, else a physically
sensible bound. Temperatures are entered in °F, as the reference model's code reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..fuels import DEFAULT_FUEL, FUELS
from ..seeds import SEED_MAX

KINDS = ("number", "integer", "boolean", "choice", "text", "series", "table", "tariff")

SECTIONS: dict[str, str] = {
    "general": "General Model Inputs",
    "financial": "Financial Inputs",
    "generator": "Fossil Fuel Generator Device Inputs",
    "bess": "Home Chemical Battery (BESS) Device Inputs",
    "ac": "Home Air Conditioner Device Inputs",
    "hp": "Home Heat Pump Device Inputs",
    "wh": "Home Water Heater Device Inputs",
}

#: sections of the other models' forms (vbatDispatch)
OTHER_SECTIONS: dict[str, str] = {"device": "Thermal Device Fleet Inputs"}


@dataclass(frozen=True)
class Field:
    """One input of the model.

    ``default`` is ``None`` for file-like inputs (series, table, tariff); their defaults are the
    example files in ``static_data/`` (see :mod:`omf_der.resources`).
    """

    name: str
    kind: str
    section: str
    label: str
    help: str
    unit: str = ""
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[tuple[str, str], ...] = ()
    omf_key: str | None = None
    pattern: str | None = None
    enabled_by: str | None = None      # boolean field that switches this field's device on
    file_name_field: str | None = None  # for file-like inputs: field holding the file's name
    advanced: bool = False              # shown folded in the form

    def __post_init__(self) -> None:
        assert self.kind in KINDS, self.kind
        assert self.section in SECTIONS or self.section in OTHER_SECTIONS, self.section

    @property
    def is_file(self) -> bool:
        return self.kind in ("series", "table", "tariff")

    def expected(self) -> str:
        """What is allowed, in words (used in every error message about this field)."""
        unit = f" {self.unit}" if self.unit and self.unit not in ("%",) else self.unit
        if self.kind in ("number", "integer", "series"):
            what = {"number": "a number", "integer": "a whole number",
                    "series": "every value a number"}[self.kind]
            if self.minimum is not None and self.maximum is not None:
                return f"{what} from {_fmt(self.minimum)} to {_fmt(self.maximum)}{unit}"
            if self.minimum is not None:
                return f"{what} of at least {_fmt(self.minimum)}{unit}"
            return what
        if self.kind == "boolean":
            return "yes or no"
        if self.kind == "choice":
            return "one of " + ", ".join(f"{v!r} ({lab})" for v, lab in self.choices)
        if self.kind == "text":
            return "text" if not self.pattern else f"text matching {self.pattern}"
        if self.kind == "table":
            return "a CSV of 50 rows x 3 numbers"
        return "a URDB rate (JSON object)"


def _fmt(x: float) -> str:
    return f"{x:,.10g}" if abs(x) >= 10000 else f"{x:.10g}"


# --------------------------------------------------------------------------- helpers
def number_field(name, section, label, help, unit, default, lo, hi, omf_key=None, **kw) -> Field:
    return Field(name, "number", section, label, help, unit, float(default), lo, hi,
                 omf_key=omf_key, **kw)


def integer_field(name, section, label, help, unit, default, lo, hi, omf_key=None, **kw) -> Field:
    return Field(name, "integer", section, label, help, unit, int(default), lo, hi,
                 omf_key=omf_key, **kw)


_num, _int = number_field, integer_field


def _bool(name, section, label, help, default, omf_key=None, **kw) -> Field:
    return Field(name, "boolean", section, label, help, "", bool(default), omf_key=omf_key, **kw)


def _text(name, section, label, help, default, omf_key=None, **kw) -> Field:
    return Field(name, "text", section, label, help, "", default, omf_key=omf_key, **kw)


MONEY_MAX = 1_000_000.0
MONTHLY_MAX = 10_000.0
LIFETIME = (1, 75)


def _subsidies(dev: str, omf_prefix: str, omf_suffix: str, what: str, upfront: float,
               monthly: float) -> list[Field]:
    return [
        _num(f"{dev}_subsidy_upfront_usd", "financial", f"{what} – Upfront Subsidy Amount",
             f"One-time payment by the utility when the {what.lower()} is enrolled.", "$",
             upfront, 0, MONEY_MAX, omf_key=f"{omf_prefix}_subsidy_onetime{omf_suffix}"),
        _num(f"{dev}_subsidy_monthly_usd", "financial", f"{what} – Monthly Recurring Subsidy Amount",
             f"Payment by the utility every month the {what.lower()} stays enrolled.", "$/month",
             monthly, 0, MONTHLY_MAX, omf_key=f"{omf_prefix}_subsidy_ongoing{omf_suffix}"),
    ]


def _thermal(dev: str, name: str, d: dict, deadband_max_f: float, retrofit_help: str) -> list[Field]:
    """The fields shared by the air conditioner, heat pump and water heater."""
    en = f"enable_{dev}"
    kw = {"enabled_by": en}
    return [
        _bool(en, dev, f"Enable {name}?",
              f"Include the home's {name.lower()} in the program as a virtual (thermal) battery.",
              True, omf_key=f"load_type_{dev}"),
        _num(f"{dev}_power_kw", dev, "Rated Power", f"Rated electric power of the {name.lower()}.",
             "kW", d["power"], 0.1, 7.2, omf_key=f"power_{dev}", **kw),
        _num(f"{dev}_retrofit_cost_usd", dev, "Retrofit Cost",
             f"One-time cost to make the {name.lower()} controllable ({retrofit_help}).", "$",
             d["retrofit"], 0, MONEY_MAX, omf_key=f"unitDeviceCost_{dev}", **kw),
        _num(f"{dev}_capacitance_kwh_per_c", dev, "Thermal Capacitance",
             "Heat stored per degree of temperature change (the virtual battery's size).",
             "kWh/°C", d["capacitance"], 0.2, 2.5, omf_key=f"capacitance_{dev}", **kw),
        _num(f"{dev}_resistance_c_per_kw", dev, "Thermal Resistance",
             "Temperature difference per kW of heat leaking to the surroundings (insulation).",
             "°C/kW", d["resistance"], 1.5, 140, omf_key=f"resistance_{dev}", **kw),
        _num(f"{dev}_cop", dev, "Coefficient of Performance",
             "Heat moved per unit of electricity." + (" Not used: the water-heater model simulates "
                                                      "resistance elements (COP 1)." if dev == "wh" else ""), "",
             d["cop"], 1, 3.5, omf_key=f"cop_{dev}", **kw),
        _num(f"{dev}_setpoint_f", dev, "Temperature Setpoint",
             f"Thermostat setpoint the {name.lower()} holds.", "°F", d["setpoint"],
             35.06, 129.2, omf_key=f"setpoint_{dev}", **kw),
        _num(f"{dev}_deadband_f", dev, "Temperature Deadband",
             "Width of the band around the setpoint within which the temperature may float.",
             "°F", d["deadband"], 0.225, deadband_max_f, omf_key=f"deadband_{dev}", **kw),
        _num(f"{dev}_upkeep_cost_usd_per_year", dev, "Upkeep Cost",
             "Yearly cost of keeping the device enrolled (maintenance, communications).",
             "$/year", 0.0, 0, MONEY_MAX, omf_key=f"unitUpkeepCost_{dev}", advanced=True, **kw),
    ]


_DIESEL = FUELS[DEFAULT_FUEL]

FIELDS_LIST: list[Field] = [
    # ------------------------------------------------------------------ general
    Field("demand_curve_kw", "series", "general", "Demand Curve",
          "Household electric demand, one average kW value per hour of the year (8760 values; "
          "in a leap year drop December 31).", "kW", None, 0, 10_000,
          omf_key="demandCurve", file_name_field="demand_file_name"),
    _text("demand_file_name", "general", "Demand file name", "Name of the demand file (display only).",
          "example_load_kw.csv", omf_key="demandFileName", advanced=True),
    Field("temperature_curve_f", "series", "general", "Temperature Curve",
          "Hourly outdoor air temperature in °F (8760 values), or an EPW weather file whose "
          "dry-bulb column is used.", "°F", None, -80, 140,
          omf_key="temperatureCurve", file_name_field="temperature_file_name"),
    _text("temperature_file_name", "general", "Temperature file name",
          "Name of the temperature file (display only).", "example_temperature_f.csv",
          omf_key="temperatureFileName", advanced=True),
    _num("latitude", "general", "Latitude", "Latitude of the home (decimal degrees, north positive).",
         "°", 39.969753, -90, 90, omf_key="latitude"),
    _num("longitude", "general", "Longitude", "Longitude of the home (decimal degrees, east positive).",
         "°", -104.812599, -180, 180, omf_key="longitude"),
    _int("year", "general", "Year",
         "Calendar year of the demand and temperature data; sets weekdays for the tariff schedule.",
         "", 2018, 1900, 2100, omf_key="year"),
    _bool("use_provided_random_numbers", "general", "Use the provided random numbers and seeds?",
          "Yes: reuse the seeds and water-heater random numbers below to reproduce an earlier run. "
          "No: draw fresh ones (they are saved with the run).", False, omf_key="set_random_numbers"),
    _int("random_seed_bess_gen", "general", "Random Seed – BESS & GEN",
         "Seed of the battery/generator optimisation (HiGHS).", "", SEED_MAX, 0, SEED_MAX,
         omf_key="random_seed_HiGHS_REopt", advanced=True),
    _int("random_seed_ac", "general", "Random Seed – AC", "Seed of the air-conditioner dispatch.",
         "", SEED_MAX, 0, SEED_MAX, omf_key="random_seed_PuLP_ac", advanced=True),
    _int("random_seed_hp", "general", "Random Seed – HP", "Seed of the heat-pump dispatch.",
         "", SEED_MAX, 0, SEED_MAX, omf_key="random_seed_PuLP_hp", advanced=True),
    _int("random_seed_wh", "general", "Random Seed – WH", "Seed of the water-heater dispatch.",
         "", SEED_MAX, 0, SEED_MAX, omf_key="random_seed_PuLP_wh", advanced=True),
    Field("wh_random_numbers", "table", "general", "Random Numbers for Water Heater",
          "50 rows (one per simulated tank) of: draw-profile index (0-18), time shift r (-14 to 0, "
          "draws shift by 1 + r minutes), noise factor u (0 to <1).", "", None,
          omf_key="randomNumbers", file_name_field="wh_random_numbers_file_name", advanced=True),
    _text("wh_random_numbers_file_name", "general", "Random numbers file name",
          "Name of the random-numbers file (display only).",
          "example_water_heater_random_numbers.csv", omf_key="randomNumbersFileName", advanced=True),
    # ------------------------------------------------------------------ tariff and finance
    _bool("use_urdb_label", "financial", "Use URDB Label?",
          "Fetch the rate from the OpenEI Utility Rate Database by its label instead of using the "
          "rate file.", False, omf_key="urdbLabelBool"),
    _text("urdb_label", "financial", "URDB Label",
          "Label of a rate in the Utility Rate Database (24 hexadecimal characters, as in the "
          "rate's OpenEI address).", "66a13566e90ecdb7d40581d2", omf_key="urdbLabel",
          pattern=r"^[0-9a-f]{24}$"),
    Field("tariff", "tariff", "financial", "Residential Rate Structure",
          "The utility rate as a URDB-format JSON record (energy periods, tiers, weekday/weekend "
          "schedules, demand charges, fixed charges).", "", None,
          omf_key="residentialRateStructure", file_name_field="tariff_file_name"),
    _text("tariff_file_name", "financial", "Rate file name", "Name of the rate file (display only).",
          "example_residential_tariff.json", omf_key="residentialRateStructureFileName", advanced=True),
    Field("demand_method", "choice", "financial", "Demand Charge Method",
          "How TOU demand charges are billed: 'monthly' (URDB, utility practice) charges each demand "
          "period's highest kW once a month; 'daily_window' (the reference model) charges every "
          "contiguous block of a period, e.g. each weekday's on-peak hours, separately.", "", "monthly",
          choices=(("monthly", "Monthly peak per period (URDB)"),
                   ("daily_window", "Every period window (reference derConsumer)")), advanced=True),
    _num("discount_rate_pct", "financial", "Discount Rate",
         "Yearly rate at which future cash flows are discounted for the net present value.", "%",
         1, 0, 100, omf_key="discountRate"),
    _int("projection_years", "financial", "Financial Projection Length",
         "Number of years of the cash-flow projection.", "years", 25, *LIFETIME,
         omf_key="projectionLength"),
    _num("price_escalation_pct", "financial", "Price Escalation",
         "Yearly growth of electricity and fuel prices over the projection (0: every year repeats "
         "year 1, as in the reference model).", "%/year", 0, -10, 20, advanced=True),
    *_subsidies("bess", "BESS", "", "Home BESS", 50.0, 10.0),
    *_subsidies("hp", "TESS", "_hp", "Heat Pump", 0.0, 1.0),
    *_subsidies("ac", "TESS", "_ac", "Air Conditioner", 0.0, 1.0),
    *_subsidies("wh", "TESS", "_wh", "Water Heater", 0.0, 3.0),
    *_subsidies("gen", "GEN", "", "Generator", 0.0, 0.0),
    # ------------------------------------------------------------------ generator
    _bool("enable_generator", "generator", "Enable Use of Fossil Fuel Generator?",
          "Include an existing fossil-fuel generator that the optimisation may run to cut the bill.",
          False, omf_key="fossilGenerator"),
    Field("fuel_type", "choice", "generator", "Fuel Type",
          "Fuel of the generator; sets the units (ft³ for natural gas, gallons otherwise) and the "
          "default fuel cost, efficiency and available fuel.", "", DEFAULT_FUEL,
          choices=tuple((f.key, f.label) for f in FUELS.values()), omf_key="fuel_type",
          enabled_by="enable_generator"),
    _num("generator_kw", "generator", "Rated Power Capacity", "Rated electric output of the generator.",
         "kW", 5, 0.1, 1000, omf_key="existing_gen_kw", enabled_by="enable_generator"),
    _num("generator_efficiency_pct", "generator", "Efficiency",
         "Electric output per unit of fuel energy (higher heating value).", "%",
         _DIESEL.default_efficiency_pct, 1, 100, omf_key="thermal_efficiency",
         enabled_by="enable_generator"),
    _num("generator_retrofit_cost_usd", "generator", "Retrofit Cost",
         "One-time cost to make the generator controllable by the program.", "$", 0, 0, MONEY_MAX,
         omf_key="gen_retrofit_cost", enabled_by="enable_generator"),
    _num("fuel_available", "generator", "Available Fuel",
         "Fuel available to the generator per year (ft³ for natural gas, gallons otherwise).",
         "gal or ft³", _DIESEL.default_available_units, 0, 1e9, omf_key="fuel_avail",
         enabled_by="enable_generator"),
    _num("fuel_cost_usd_per_unit", "generator", "Fuel Cost",
         "Price of fuel ($/ft³ for natural gas, $/gallon otherwise).", "$/gal or $/ft³",
         _DIESEL.default_cost_usd_per_unit, 0, 1000, omf_key="fuel_cost",
         enabled_by="enable_generator"),
    _num("generator_replace_cost_usd_per_kw", "generator", "Generator Replacement Cost",
         "Cost of replacing the generator at the end of its lifetime, per kW.", "$/kW", 0, 0, 100_000,
         omf_key="replace_cost_generator_per_kw", enabled_by="enable_generator"),
    _int("generator_lifetime_years", "generator", "Generator Lifetime",
         "Years until the generator is replaced.", "years", 15, *LIFETIME,
         omf_key="generator_replacement_year", enabled_by="enable_generator"),
    # ------------------------------------------------------------------ battery
    _bool("enable_bess", "bess", "Enable Use of Home Chemical BESS?",
          "Include the home battery (defaults modelled after a Tesla Powerwall 3).", True,
          omf_key="enableBESS"),
    _num("bess_kw", "bess", "Battery Power Capacity", "Total inverter power of the battery.", "kW",
         5.0, 0.1, 1000, omf_key="BESS_kw", enabled_by="enable_bess"),
    _num("bess_kwh", "bess", "Battery Energy Capacity", "Total energy capacity of the battery.", "kWh",
         13.5, 0.1, 10_000, omf_key="BESS_kwh", enabled_by="enable_bess"),
    _num("bess_retrofit_cost_usd", "bess", "Retrofit Cost",
         "One-time cost to make the battery controllable by the program.", "$", 0, 0, MONEY_MAX,
         omf_key="BESS_retrofit_cost", enabled_by="enable_bess"),
    _num("utility_bess_portion_pct", "bess", "Portion of Charge Shared with Utility",
         "Share of the battery reserved for the utility; the home uses the rest.", "%", 20, 0, 100,
         omf_key="utility_BESS_portion", enabled_by="enable_bess"),
    _num("bess_replace_cost_usd_per_kw", "bess", "Battery Replacement Power Cost",
         "Cost of replacing the battery's power equipment, per kW (e.g. 324).", "$/kW", 0, 0, 100_000,
         omf_key="replace_cost_per_kw", enabled_by="enable_bess"),
    _num("bess_replace_cost_usd_per_kwh", "bess", "Battery Replacement Energy Cost",
         "Cost of replacing the battery cells, per kWh (e.g. 351).", "$/kWh", 0, 0, 100_000,
         omf_key="replace_cost_per_kwh", enabled_by="enable_bess"),
    _int("bess_lifetime_years", "bess", "Battery Lifetime", "Years until the battery is replaced.",
         "years", 10, *LIFETIME, omf_key="battery_replacement_year", enabled_by="enable_bess"),
    _num("inverter_replace_cost_usd", "bess", "Inverter Replacement Cost",
         "Cost of one inverter replacement (e.g. 2400).", "$", 0, 0, MONEY_MAX,
         omf_key="replace_cost_inverter", enabled_by="enable_bess"),
    _int("inverter_lifetime_years", "bess", "Inverter Lifetime", "Years until the inverter is replaced.",
         "years", 10, *LIFETIME, omf_key="inverter_replacement_year", enabled_by="enable_bess"),
    # ------------------------------------------------------------------ thermal devices
    *_thermal("ac", "Air Conditioner", dict(power=5.6, retrofit=13, capacitance=2.0, resistance=2.0,
                                            cop=2.5, setpoint=72.5, deadband=2.0),
              3.6, "e.g. a smart outlet or thermostat"),
    *_thermal("hp", "Heat Pump", dict(power=5.6, retrofit=150, capacitance=2.0, resistance=2.0,
                                      cop=3.5, setpoint=67.0, deadband=2.0),
              3.6, "e.g. a smart thermostat, about $250"),
    *_thermal("wh", "Water Heater", dict(power=4.5, retrofit=175, capacitance=0.4, resistance=120.0,
                                         cop=1.0, setpoint=125.0, deadband=5.4),
              5.4, "e.g. a controller, about $175"),
    _num("wh_ambient_temperature_f", "wh", "Water Heater Surroundings Temperature",
         "Indoor air temperature around the water-heater tank (the tank loses heat to it).", "°F",
         68.0, 40, 100, enabled_by="enable_wh"),
]

FIELDS: dict[str, Field] = {f.name: f for f in FIELDS_LIST}
assert len(FIELDS) == len(FIELDS_LIST), "duplicate field name"

OMF_KEYS: dict[str, str] = {f.omf_key: f.name for f in FIELDS_LIST if f.omf_key}
assert len(OMF_KEYS) == sum(1 for f in FIELDS_LIST if f.omf_key), "duplicate OMF key"

DEVICE_FLAGS = {"bess": "enable_bess", "generator": "enable_generator",
                "ac": "enable_ac", "hp": "enable_hp", "wh": "enable_wh"}

# Keys of a reference allInputData.json that describe the run, not the home: accepted and ignored.
OMF_BOOKKEEPING_KEYS = frozenset({
    "user", "modelType", "created", "modelName", "runTime", "runStartTime", "stderr", "stdout",
    "viewers", "htmlHash", "pythonHash", "oldVersion", "fileNames", "runtimeEst_min",
    "rateCompensation",  # commented out and unused in the reference model
})


@dataclass(frozen=True, eq=False)
class Schema:
    """The inputs of one model: its fields (in form order), sections and reference-model keys."""

    name: str
    fields: dict[str, Field]
    sections: dict[str, str]
    omf_keys: dict[str, str]

    @classmethod
    def of(cls, name: str, fields: list[Field], sections: dict[str, str]) -> Schema:
        by_name = {f.name: f for f in fields}
        assert len(by_name) == len(fields), "duplicate field name"
        assert all(f.section in sections for f in fields), "a field outside the schema's sections"
        return cls(name, by_name, sections, {f.omf_key: f.name for f in fields if f.omf_key})

    @property
    def fields_list(self) -> list[Field]:
        return list(self.fields.values())


DER_CONSUMER = Schema.of("derConsumer", FIELDS_LIST, SECTIONS)
