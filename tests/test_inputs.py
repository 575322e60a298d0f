"""Inputs schema and validation: every field documented, all problems reported at once, the
reference model's own input keys and example files accepted."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pytest

from omf_der.errors import InputError, InputErrors
from omf_der.inputs import FIELDS, FIELDS_LIST, OMF_KEYS, SECTIONS, Inputs, json_schema, validate
from omf_der.seeds import SEED_MAX


@pytest.fixture(scope="module")
def defaults() -> Inputs:
    return Inputs.defaults()


def _problems(data, **kw) -> list[InputError]:
    with pytest.raises(InputErrors) as exc:
        Inputs.from_dict(data, **kw)
    return exc.value.errors


# --------------------------------------------------------------------------- the schema itself
def test_every_field_is_documented():
    for f in FIELDS_LIST:
        assert f.label and f.help and f.section in SECTIONS, f.name
        assert f.help.endswith((".", ")")), f.name
        if f.kind in ("number", "integer"):
            assert f.minimum is not None and f.maximum is not None, f.name
            assert f.minimum <= f.default <= f.maximum, f.name


# Ranges stated in the model's user documentation (issue #2), field by field.
DOC_RANGES = {
    **{f"{d}_power_kw": (0.1, 7.2) for d in ("ac", "hp", "wh")},
    **{f"{d}_capacitance_kwh_per_c": (0.2, 2.5) for d in ("ac", "hp", "wh")},
    **{f"{d}_resistance_c_per_kw": (1.5, 140) for d in ("ac", "hp", "wh")},
    **{f"{d}_cop": (1, 3.5) for d in ("ac", "hp", "wh")},
    **{f"{d}_setpoint_f": (35.06, 129.2) for d in ("ac", "hp", "wh")},
    "ac_deadband_f": (0.225, 3.6), "hp_deadband_f": (0.225, 3.6), "wh_deadband_f": (0.225, 5.4),
    "projection_years": (1, 75),
    **{f"random_seed_{d}": (0, 2147483647) for d in ("bess_gen", "ac", "hp", "wh")},
}


@pytest.mark.parametrize("name,rng", sorted(DOC_RANGES.items()))
def test_documented_ranges(name, rng):
    f = FIELDS[name]
    assert (f.minimum, f.maximum) == rng
    base = {"enable_ac": True}
    assert not validate({**base, name: rng[0]}) and not validate({**base, name: rng[1]})
    below = rng[0] - (1 if f.kind == "integer" else 0.001)
    above = rng[1] + (1 if f.kind == "integer" else 0.001)
    for bad in (below, above):
        errs = validate({name: bad})
        assert [e.field for e in errs] == [name]
        assert "from" in errs[0].expected


# Defaults of the reference model (omf_derconsumer.md §2), in its own keys and string form.
REFERENCE_DEFAULTS = {
    "latitude": "39.969753", "longitude": "-104.812599", "year": "2018", "set_random_numbers": "No",
    "random_seed_PuLP_ac": "2147483647", "random_seed_PuLP_hp": "2147483647",
    "random_seed_PuLP_wh": "2147483647", "random_seed_HiGHS_REopt": "2147483647",
    "urdbLabelBool": False, "urdbLabel": "66a13566e90ecdb7d40581d2", "projectionLength": "25",
    "discountRate": "1", "BESS_subsidy_onetime": "50.0", "BESS_subsidy_ongoing": "10.0",
    "TESS_subsidy_onetime_ac": "0.0", "TESS_subsidy_ongoing_ac": "1.0",
    "TESS_subsidy_onetime_hp": "0.0", "TESS_subsidy_ongoing_hp": "1.0",
    "TESS_subsidy_onetime_wh": "0.0", "TESS_subsidy_ongoing_wh": "3.0",
    "GEN_subsidy_onetime": "0.0", "GEN_subsidy_ongoing": "0.0",
    "enableBESS": "Yes", "BESS_kw": "5.0", "BESS_kwh": "13.5", "BESS_retrofit_cost": "0.0",
    "utility_BESS_portion": "20.0", "replace_cost_per_kw": "0.0", "replace_cost_per_kwh": "0.0",
    "battery_replacement_year": "10", "inverter_replacement_year": "10", "replace_cost_inverter": "0.0",
    "fossilGenerator": "No", "fuel_type": "3", "existing_gen_kw": "5", "thermal_efficiency": "35",
    "gen_retrofit_cost": "0.0", "fuel_avail": "1000", "fuel_cost": "3.80",
    "replace_cost_generator_per_kw": "0.0", "generator_replacement_year": "15",
    "load_type_ac": "1", "power_ac": "5.6", "capacitance_ac": "2.0", "resistance_ac": "2.0",
    "cop_ac": "2.5", "setpoint_ac": "72.5", "deadband_ac": "2.0", "unitDeviceCost_ac": "13",
    "unitUpkeepCost_ac": "0.0",
    "load_type_hp": "2", "power_hp": "5.6", "capacitance_hp": "2.0", "resistance_hp": "2.0",
    "cop_hp": "3.5", "setpoint_hp": "67.0", "deadband_hp": "2.0", "unitDeviceCost_hp": "150",
    "unitUpkeepCost_hp": "0.0",
    "load_type_wh": "4", "power_wh": "4.5", "capacitance_wh": "0.4", "resistance_wh": "120.0",
    "cop_wh": "1.0", "setpoint_wh": "125.0", "deadband_wh": "5.4", "unitDeviceCost_wh": "175",
    "unitUpkeepCost_wh": "0.0",
    # bookkeeping keys of a reference run folder are accepted and ignored
    "user": "admin", "modelType": "derConsumer", "created": "2024-01-01 00:00:00", "modelName": "x",
}


def test_reference_defaults_equal_ours(defaults):
    omf = Inputs.from_dict(REFERENCE_DEFAULTS)
    for key, value in REFERENCE_DEFAULTS.items():
        if key in OMF_KEYS:
            name = OMF_KEYS[key]
            assert omf[name] == defaults[name], (key, omf[name], defaults[name])
    assert omf.fuel_type == "diesel" and omf.enable_hp and omf.enable_wh and not omf.enable_generator


def test_every_reference_input_key_is_known():
    # §2 of the reference spec lists these keys besides the ones above (files and their names)
    file_keys = {"demandCurve", "demandFileName", "temperatureCurve", "temperatureFileName",
                 "randomNumbers", "randomNumbersFileName", "residentialRateStructure",
                 "residentialRateStructureFileName"}
    keys = (set(REFERENCE_DEFAULTS) | file_keys) - {"user", "modelType", "created", "modelName"}
    assert keys == set(OMF_KEYS)


def test_reference_example_files_load(omf_data):
    """The reference model's example inputs, as its allInputData.json holds them (strings)."""
    data = {
        "demandCurve": (omf_data / "residential_PV_load_tenX.csv").read_text(),
        "temperatureCurve": (omf_data / "example_temperatures_open-meteo-denverCO-noheaders.csv").read_text(),
        "randomNumbers": (omf_data / "example_water_heater_random_numbers.csv").read_text(),
        "residentialRateStructure": (omf_data / "example_residential_tariff.json").read_text(),
    }
    inputs = Inputs.from_dict(data)
    # figures of the reference spec §10 for these files
    assert inputs.demand_curve_kw.sum() == pytest.approx(75274.75, abs=0.01)
    assert inputs.demand_curve_kw.min() == pytest.approx(5.2776)
    assert inputs.demand_curve_kw.max() == pytest.approx(16.4992)
    assert inputs.temperature_curve_f.min() == pytest.approx(-0.6)
    assert inputs.temperature_curve_f.max() == pytest.approx(99.7)
    assert inputs.wh_random_numbers.shape == (50, 3)
    assert inputs.wh_random_numbers[0].tolist() == [16.0, -5.0, 0.2092334309280378]
    assert inputs.tariff["demandratestructure"][2][0]["rate"] == 5.0


def test_our_example_tariff_matches_the_documented_example(omf_data, defaults):
    """Same rates, tiers and schedules as the rate printed in the reference documentation."""
    ref = json.loads((omf_data / "example_residential_tariff.json").read_text())
    for key, value in ref.items():
        assert defaults.tariff[key] == value, key


# --------------------------------------------------------------------------- defaults and round trips
def test_defaults_are_valid_and_typed(defaults):
    assert defaults.demand_curve_kw.shape == (8760,) and defaults.demand_curve_kw.dtype == float
    assert not defaults.demand_curve_kw.flags.writeable
    assert defaults.year == 2018 and isinstance(defaults.year, int)
    assert defaults.bess_kw == 5.0 and defaults.fuel_type == "diesel"
    assert defaults.fuel.unit == "gal"
    assert defaults.calendar.n_steps == 8760


def test_json_round_trip_is_exact(defaults, tmp_path):
    path = tmp_path / "inputs.json"
    path.write_text(json.dumps(defaults.to_json_dict()))
    back = Inputs.from_json_file(path)
    for name in FIELDS:
        a, b = defaults[name], back[name]
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)
        else:
            assert a == b, name


def test_read_only_and_replace(defaults):
    with pytest.raises(AttributeError):
        defaults.bess_kw = 3
    changed = defaults.replace(bess_kw=7.5)
    assert changed.bess_kw == 7.5 and defaults.bess_kw == 5.0
    with pytest.raises(InputErrors):
        defaults.replace(bess_kw=-1)


@pytest.mark.parametrize("fuel,cost,eff,unit", [
    ("natural_gas", 0.00386, 30.0, "ft3"), ("propane", 2.70, 25.0, "gal"),
    ("Diesel", 3.80, 35.0, "gal"), ("4", 3.17, 25.0, "gal"),
])
def test_fuel_type_presets(fuel, cost, eff, unit):
    inputs = Inputs.from_dict({"fuel_type": fuel})
    assert inputs.fuel_cost_usd_per_unit == cost
    assert inputs.generator_efficiency_pct == eff
    assert inputs.fuel_available == 1000.0
    assert inputs.fuel.unit == unit
    # an explicit value wins over the preset
    assert Inputs.from_dict({"fuel_type": fuel, "fuel_cost_usd_per_unit": 9}).fuel_cost_usd_per_unit == 9


# --------------------------------------------------------------------------- problems
def test_five_mistakes_reported_at_once(defaults):
    data = {
        "bess_kw": "five",                       # text in a number
        "ac_power_kw": 9.5,                      # above 7.2
        "demand_curve_kw": [1.0] * 8759,          # wrong length
        "fuel_type": "coal",                     # not a choice
        "projection_yrs": 25,                    # unknown field
    }
    errs = _problems(data)
    assert sorted(e.field for e in errs) == ["ac_power_kw", "bess_kw", "demand_curve_kw", "fuel_type", "projection_yrs"]
    by = {e.field: e for e in errs}
    assert "8759" in str(by["demand_curve_kw"].value) and "8760" in by["demand_curve_kw"].expected
    assert "7.2" in by["ac_power_kw"].expected
    assert "did you mean 'projection_years'" in by["projection_yrs"].expected
    assert "diesel" in by["fuel_type"].expected


def test_negative_kw_and_out_of_range_curve_values():
    load = [1.0] * 8760
    load[100] = -2.0
    load[200] = -3.0
    (err,) = _problems({"demand_curve_kw": load})
    assert err.field == "demand_curve_kw" and err.value == -2.0
    assert "value 101" in err.detail and "2 values" in err.detail


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), None, "x", True])
def test_bad_values_in_a_curve(bad):
    load = [1.0] * 8760
    load[5] = bad
    (err,) = _problems({"demand_curve_kw": load})
    assert err.field == "demand_curve_kw"


@pytest.mark.parametrize("field,value", [
    ("bess_kw", "nan"), ("bess_kw", "inf"), ("bess_kw", True), ("bess_kw", None), ("bess_kw", [1]),
    ("year", 2018.5), ("year", "20x8"), ("projection_years", 0), ("enable_bess", "maybe"),
    ("enable_bess", 2), ("latitude", 91), ("urdb_label", 5), ("discount_rate_pct", -1),
])
def test_scalar_problems_name_the_field(field, value):
    (err,) = _problems({field: value})
    assert err.field == field
    assert err.expected


def test_numbers_as_text_and_thousands_separators():
    inputs = Inputs.from_dict({"bess_kwh": " 1,350.5 ", "year": "2020.0", "enable_bess": "ON"})
    assert inputs.bess_kwh == 1350.5 and inputs.year == 2020 and inputs.enable_bess is True


def test_leap_year_needs_dec_31_dropped():
    errs = _problems({"year": 2020, "demand_curve_kw": [1.0] * 8784})
    assert [e.field for e in errs] == ["demand_curve_kw"]
    assert "drop December 31" in errs[0].expected


def test_urdb_label_checked_only_when_used():
    assert not validate({"urdb_label": "not a label"})
    (err,) = _problems({"use_urdb_label": True, "urdb_label": "not a label"})
    assert err.field == "urdb_label"
    assert Inputs.from_dict({"use_urdb_label": "on", "urdb_label": "5cb9ef6b5457a34870be7d62"}).use_urdb_label


def test_same_field_twice_is_a_problem():
    (err,) = _problems({"bess_kw": 5, "BESS_kw": "6"})
    assert err.field == "bess_kw"


@pytest.mark.parametrize("tariff,where", [
    ({"energyweekdayschedule": []}, "tariff.energyratestructure"),
    ({"energyratestructure": [[{"rate": "cheap"}]], "energyweekdayschedule": [[0] * 24] * 12,
      "energyweekendschedule": [[0] * 24] * 12}, "tariff.energyratestructure[0][0].rate"),
    ({"energyratestructure": [[{"rate": 0.1}]], "energyweekdayschedule": [[0] * 24] * 12,
      "energyweekendschedule": [[1] * 24] * 12}, "tariff.energyweekendschedule[0][0]"),
    ({"energyratestructure": [[{"rate": 0.1}]], "energyweekdayschedule": [[0] * 23] * 12,
      "energyweekendschedule": [[0] * 24] * 12}, "tariff.energyweekdayschedule"),
    ({"energyratestructure": [[{"rate": 0.1}]], "energyweekdayschedule": [[0] * 24] * 12,
      "energyweekendschedule": [[0] * 24] * 12, "flatdemandstructure": [[{"rate": 3}]],
      "flatdemandmonths": [0] * 11}, "tariff.flatdemandmonths"),
    ([1, 2], "tariff"),
])
def test_malformed_tariff(tariff, where):
    errs = _problems({"tariff": tariff})
    assert where in [e.field for e in errs]


def test_tariff_upload_corrupt_or_wrapped():
    (err,) = _problems({"tariff": b'{"energyratestructure": [[{"rate": 0.1}]],'})
    assert err.field == "tariff" and "JSON" in err.expected
    rate = {"energyratestructure": [[{"rate": 0.1}]], "energyweekdayschedule": [[0] * 24] * 12,
            "energyweekendschedule": [[0] * 24] * 12}
    api_response = json.dumps({"items": [rate]})
    assert Inputs.from_dict({"tariff": api_response}).tariff == rate


def test_random_numbers_checked_per_column():
    rows = [[1, -3, 0.5]] * 50
    assert Inputs.from_dict({"wh_random_numbers": rows}).wh_random_numbers.shape == (50, 3)
    for bad_row, col in (([19, -3, 0.5], "column 1"), ([1, 1, 0.5], "column 2"), ([1, -3, 1.0], "column 3"),
                         ([1.5, -3, 0.5], "column 1")):
        table = [list(r) for r in rows]
        table[7] = bad_row
        (err,) = _problems({"wh_random_numbers": table})
        assert col in err.expected and err.detail == "line 8"
    (err,) = _problems({"wh_random_numbers": rows[:49]})
    assert "49 rows" in str(err.value)
    (err,) = _problems({"wh_random_numbers": "a,b,c\n" + "1,2\n" * 50})
    assert err.field == "wh_random_numbers"


def test_file_references_only_beside_an_inputs_file(tmp_path):
    (tmp_path / "load.csv").write_text("kW\r\n" + "2.5\r\n" * 8760)
    (tmp_path / "inputs.json").write_text(json.dumps({"demand_curve_kw": {"file": "load.csv"}}))
    assert Inputs.from_json_file(tmp_path / "inputs.json").demand_curve_kw[0] == 2.5
    (err,) = _problems({"demand_curve_kw": {"file": "load.csv"}})
    assert "file references" in err.expected
    (tmp_path / "bad.json").write_text(json.dumps({"demand_curve_kw": {"file": "missing.csv"}}))
    with pytest.raises(InputErrors, match="missing.csv"):
        Inputs.from_json_file(tmp_path / "bad.json")


def test_inputs_file_problems(tmp_path):
    with pytest.raises(InputErrors, match="readable"):
        Inputs.from_json_file(tmp_path / "nope.json")
    (tmp_path / "x.json").write_text("[1, 2]")
    with pytest.raises(InputErrors, match="JSON object"):
        Inputs.from_json_file(tmp_path / "x.json")
    (tmp_path / "y.json").write_text('{"bess_kw": 5,}')
    with pytest.raises(InputErrors, match="line 1"):
        Inputs.from_json_file(tmp_path / "y.json")


# --------------------------------------------------------------------------- web form
def test_form_strings_and_uploads(defaults):
    form = {"bess_kw": "6.5", "enable_generator": "Yes", "fuel_type": "1", "year": "2018",
            "demand_curve_kw": "", "tariff": ""}
    temp_epw_like = "Temperature (F)\r\n" + "55.5\r\n" * 8760 + "\r\n  \r\n"
    inputs = Inputs.from_form(form, files={"temperature_curve_f": ("C:\\data\\my temps.csv", temp_epw_like.encode())})
    assert inputs.bess_kw == 6.5 and inputs.enable_generator and inputs.fuel_type == "natural_gas"
    assert inputs.fuel_cost_usd_per_unit == 0.00386
    assert inputs.temperature_curve_f[0] == 55.5
    assert inputs.temperature_file_name == "my temps.csv"
    np.testing.assert_array_equal(inputs.demand_curve_kw, defaults.demand_curve_kw)  # empty = default


def test_form_empty_scalar_is_required():
    with pytest.raises(InputErrors) as exc:
        Inputs.from_form({"bess_kw": "  ", "year": ""})
    assert sorted(exc.value.by_field()) == ["bess_kw", "year"]
    assert all("required" in e.expected for e in exc.value.errors)


def test_form_upload_to_a_scalar_field_is_refused():
    with pytest.raises(InputErrors, match="uploads only for"):
        Inputs.from_form({}, files={"bess_kw": ("x.csv", b"1")})


# --------------------------------------------------------------------------- JSON Schema
def test_json_schema_is_valid_and_agrees_with_validation(defaults):
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    doc = defaults.to_json_dict()
    assert not list(validator.iter_errors(doc))
    assert set(schema["properties"]) == set(FIELDS)
    for name, bad in (("ac_power_kw", 7.3), ("fuel_type", "coal"), ("projection_years", 76)):
        assert list(validator.iter_errors({**doc, name: bad})), name
        assert validate({name: bad}), name
    assert list(validator.iter_errors({**doc, "demand_curve_kw": [1.0] * 100}))
    assert list(validator.iter_errors({**doc, "nonsense": 1}))
    assert schema["properties"]["random_seed_wh"]["maximum"] == SEED_MAX
    assert [s["key"] for s in schema["x-sections"]] == list(SECTIONS)


def _shared_urdb_records():
    from conftest import SHARED

    for path in sorted((SHARED / "reference" / "bill_cases").glob("*/tariff.json")):
        yield path.parent.name, json.loads(path.read_text())
    for path in sorted((SHARED / "reference" / "reopt_cases").glob("*/*.json")):
        doc = json.loads(path.read_text())
        rate = doc.get("ElectricTariff", {}).get("urdb_response") if isinstance(doc, dict) else None
        if rate:
            yield f"{path.parent.name}/{path.name}", rate


def test_real_urdb_records_of_the_reference_cases_are_accepted():
    records = list(_shared_urdb_records())
    assert len(records) >= 10
    for name, rate in records:
        assert validate({"tariff": rate}) == [], name


@pytest.mark.parametrize("change,where", [
    (lambda r: r["energyratestructure"][1][0].pop("rate"), "tariff.energyratestructure[1][0]"),
    (lambda r: r["energyratestructure"][1][1].update(max=50), "tariff.energyratestructure[1][1].max"),
    (lambda r: r["energyratestructure"][1][0].pop("max"), "tariff.energyratestructure[1][0].max"),
    (lambda r: r["energyratestructure"][1][0].update(unit="kWh daily"), "tariff.energyratestructure[1][0].unit"),
    (lambda r: r["demandratestructure"][2][0].update(unit="kVA"), "tariff.demandratestructure[2][0].unit"),
    (lambda r: r.update(fixedchargefirstmeter="abc"), "tariff.fixedchargefirstmeter"),
    (lambda r: r.update(fixedchargefirstmeter=10, fixedchargeunits="$/fortnight"), "tariff.fixedchargeunits"),
    (lambda r: r.update(mincharge=-5), "tariff.mincharge"),
])
def test_unusable_rates_are_refused(defaults, change, where):
    rate = json.loads(json.dumps(defaults.tariff))
    change(rate)
    assert where in [e.field for e in validate({"tariff": rate})]


def test_json_schema_label_pattern_and_table_columns(defaults):
    validator = jsonschema.Draft202012Validator(json_schema())
    doc = defaults.to_json_dict()
    assert not list(validator.iter_errors({**doc, "urdb_label": "anything"}))  # unused label
    assert list(validator.iter_errors({**doc, "use_urdb_label": True, "urdb_label": "anything"}))
    table = [list(r) for r in doc["wh_random_numbers"]]
    for bad in ([19, -3, 0.5], [1, 1, 0.5], [1, -3, 1.0], [1.5, -3, 0.5]):
        rows = table[:7] + [bad] + table[8:]
        assert list(validator.iter_errors({**doc, "wh_random_numbers": rows})), bad
        assert validate({"wh_random_numbers": rows}), bad


# --------------------------------------------------------------------------- hostile input (review findings)
@pytest.mark.parametrize("data", [
    {"bess_kw": 10**400},
    {"demand_curve_kw": [10**400] + [1.0] * 8759},
    {"wh_random_numbers": [[10**400, 0, 0.5]] * 50},
    {"tariff": '{"energyratestructure": [[{"rate": ' + "9" * 400 + "}]]}"},
    {"tariff": "[" * 100_000},
    {"tariff": '{"a": ' + "9" * 5000 + "}"},
])
def test_huge_numbers_and_deep_json_are_input_errors(data):
    assert validate(data)


def test_decimal_comma_is_not_read_as_thousands():
    (err,) = _problems({"bess_kwh": "0,500"})
    assert "decimal separator" in err.expected
    (err,) = _problems({"bess_kwh": "13,5"})
    assert "decimal separator" in err.expected
    assert Inputs.from_dict({"bess_kwh": "1,500"}).bess_kwh == 1500.0  # US thousands separator


@pytest.mark.parametrize("text", ["1_0", "５", "٢٠١٨", "0x10", "1e309", " "])
def test_only_plain_ascii_decimals_are_numbers(text):
    assert validate({"bess_kw": text})


def test_device_code_nan_is_not_off():
    (err,) = _problems({"load_type_ac": "nan"})
    assert err.field == "enable_ac"
    assert Inputs.from_dict({"load_type_ac": "0"}).enable_ac is False
    assert Inputs.from_dict({"load_type_wh": "4"}).enable_wh is True


def test_bool_arrays_are_not_curves():
    assert validate({"demand_curve_kw": np.ones(8760, dtype=bool)})
    assert validate({"demand_curve_kw": [True] * 8760})


def test_replace_fuel_type_moves_preset_defaults(defaults):
    gas = defaults.replace(fuel_type="natural_gas")
    assert (gas.fuel_cost_usd_per_unit, gas.generator_efficiency_pct) == (0.00386, 30.0)
    custom = defaults.replace(fuel_cost_usd_per_unit=4.5).replace(fuel_type="propane")
    assert custom.fuel_cost_usd_per_unit == 4.5 and custom.generator_efficiency_pct == 25.0


def test_json_array_uploads_for_curves_and_random_numbers(defaults):
    load = json.dumps(defaults.demand_curve_kw.tolist()).encode()
    rows = json.dumps(defaults.wh_random_numbers.tolist()).encode()
    inputs = Inputs.from_form({}, files={"demand_curve_kw": ("d.json", load), "wh_random_numbers": ("r.json", rows)})
    np.testing.assert_array_equal(inputs.demand_curve_kw, defaults.demand_curve_kw)
    np.testing.assert_array_equal(inputs.wh_random_numbers, defaults.wh_random_numbers)
    (err,) = _problems({"demand_curve_kw": b"[1, 2, "})
    assert "JSON" in err.expected


def test_utf16_uploads_are_text(defaults, tmp_path):
    text = "kW\r\n" + "\r\n".join(["1.5"] * 8760)
    inputs = Inputs.from_form({}, files={"demand_curve_kw": ("x.csv", text.encode("utf-16"))})
    assert inputs.demand_curve_kw[0] == 1.5
    path = tmp_path / "in.json"
    path.write_bytes(json.dumps({"bess_kw": 6}).encode("utf-16"))  # Windows PowerShell 5 redirect
    assert Inputs.from_json_file(path).bess_kw == 6


def test_inputs_pickle_copy_and_compare(defaults):
    import copy
    import pickle

    assert pickle.loads(pickle.dumps(defaults)) == defaults
    assert copy.deepcopy(defaults) == defaults
    assert Inputs.from_dict(defaults.to_json_dict()) == defaults
    assert defaults.replace(bess_kw=6) != defaults
    err = pickle.loads(pickle.dumps(InputErrors([InputError("a", 1, "b")])))
    assert err.errors[0].message == "a: got 1; allowed: b"


def test_leap_hint_only_for_leap_years():
    (err,) = _problems({"year": 2018, "demand_curve_kw": [1.0] * 8784})
    assert "not one: check the year" in err.expected and "drop December 31" not in err.expected


def test_array_values_shown_on_one_line():
    (err,) = _problems({"demand_curve_kw": np.ones((8760, 1))})
    assert "\n" not in err.message and "shape (8760, 1)" in err.message


def test_utf16_json_array_upload(defaults):
    rows = json.dumps(defaults.wh_random_numbers.tolist()).encode("utf-16")
    inputs = Inputs.from_form({}, files={"wh_random_numbers": ("r.json", rows)})
    np.testing.assert_array_equal(inputs.wh_random_numbers, defaults.wh_random_numbers)
