"""The omf-der command as a user runs it (a subprocess of the installed console script)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from omf_der.inputs import FIELDS


def omf_der(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    exe = shutil.which("omf-der", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "omf_der"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_defaults_prints_valid_inputs(tmp_path):
    res = omf_der("defaults")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert set(doc) == set(FIELDS)
    assert len(doc["demand_curve_kw"]) == 8760
    path = tmp_path / "inputs.json"
    path.write_text(res.stdout)
    res = omf_der("validate", str(path))
    assert (res.returncode, res.stdout.strip()) == (0, "ok")


def test_defaults_to_file(tmp_path):
    res = omf_der("defaults", "--out", str(tmp_path / "sub" / "d.json"))
    assert res.returncode == 0 and json.loads((tmp_path / "sub" / "d.json").read_text())["year"] == 2018


def test_validate_reports_all_five_mistakes(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({
        "BESS_kw": "-5",                  # negative kW (reference key)
        "hp_cop": "three",                # text in a number
        "wh_deadband_f": 9,               # out of range (0.225-5.4)
        "temperature_curve_f": [50] * 10,  # wrong length
        "colour": "blue",                 # unknown field
    }))
    res = omf_der("validate", str(path))
    assert res.returncode == 2
    lines = res.stdout.strip().splitlines()
    assert len(lines) == 5
    for field in ("bess_kw", "hp_cop", "wh_deadband_f", "temperature_curve_f", "colour"):
        assert sum(line.startswith(f"{field}:") for line in lines) == 1, (field, lines)
    assert "5 problem(s)" in res.stderr
    assert "Traceback" not in res.stdout + res.stderr


@pytest.mark.parametrize("content,needle", [
    (None, "readable"), ("{not json", "valid JSON"), ("[]", "JSON object"),
])
def test_validate_unreadable_file_is_one_line(tmp_path, content, needle):
    path = tmp_path / "x.json"
    if content is not None:
        path.write_text(content)
    res = omf_der("validate", str(path))
    assert res.returncode == 2
    assert needle in res.stdout and len(res.stdout.strip().splitlines()) == 1
    assert "Traceback" not in res.stderr


def test_schema_is_json_schema():
    res = omf_der("schema")
    assert res.returncode == 0
    schema = json.loads(res.stdout)
    assert schema["$schema"].endswith("2020-12/schema")
    assert schema["properties"]["bess_kw"]["x-unit"] == "kW"


@pytest.mark.parametrize("command", [[], ["defaults"], ["validate"], ["schema"], ["serve"]])
def test_help_on_every_command(command):
    res = omf_der(*command, "--help")
    assert res.returncode == 0 and "usage: omf-der" in res.stdout


def test_usage_errors_exit_2():
    res = omf_der("frobnicate")
    assert res.returncode == 2 and "invalid choice" in res.stderr
    res = omf_der("validate")
    assert res.returncode == 2 and "required" in res.stderr


# ------------------------------------------------------------------------------------ bill
def _bill_case(name: str) -> Path:
    from conftest import SHARED

    return SHARED / "reference" / "bill_cases" / name


@pytest.mark.parametrize("case", ["example_residential_tariff__tenX", "fpl_rs1_residential__tenX_15min"])
def test_bill_prints_the_reference_shape(case):
    folder = _bill_case(case)
    expected = json.loads((folder / "expected.json").read_text())
    res = omf_der("bill", "--tariff", str(folder / "tariff.json"), "--load", str(folder / "load.csv"),
                  "--year", "2018")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert list(out) == ["monthly", "annual"]
    assert list(out["monthly"]) == list(expected["monthly"]) and list(out["annual"]) == list(expected["annual"])
    for key, values in expected["monthly"].items():
        assert out["monthly"][key] == pytest.approx(values, abs=0.01), key
    assert out["annual"]["total_cost"] == pytest.approx(expected["annual"]["total_cost"], abs=0.01)


def test_bill_daily_window_and_label_from_cache(tmp_path, monkeypatch):
    from omf_der.tariff.openei import save_to_cache

    folder = _bill_case("example_residential_tariff__tenX")
    args = ["--load", str(folder / "load.csv"), "--year", "2018", "--steps-per-hour", "1"]
    monthly = json.loads(omf_der("bill", "--tariff", str(folder / "tariff.json"), *args).stdout)
    window = json.loads(omf_der("bill", "--tariff", str(folder / "tariff.json"), *args,
                                "--demand-method", "daily_window").stdout)
    # every weekday's two on-peak blocks are charged: far more than one peak a month
    assert window["annual"]["demand_cost"] > 20 * monthly["annual"]["demand_cost"]
    assert window["annual"]["energy_cost"] == pytest.approx(monthly["annual"]["energy_cost"])

    label = "0123456789abcdef01234567"
    save_to_cache(label, json.loads((folder / "tariff.json").read_text()), cache_dir=tmp_path / "urdb")
    monkeypatch.setenv("OMF_DER_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("OPENEI_API_KEY", raising=False)
    res = omf_der("bill", "--urdb-label", label, "--offline", *args, "--out", str(tmp_path / "b.json"))
    assert res.returncode == 0, res.stderr
    assert json.loads((tmp_path / "b.json").read_text()) == monthly


@pytest.mark.parametrize("change, needle", [
    ({"tariff": "not json"}, "tariff: got"),
    ({"tariff": '{"energyratestructure": [[{"rate": 0.1}]], "energyweekdayschedule": [[0]]}'},
     "tariff.energyweekdayschedule"),
    ({"load": "1\n2\nabc\n"}, "load"),
    ({"steps": "4"}, "35040 values"),
    ({"year": "1800"}, "year: got 1800"),
])
def test_bill_errors_are_one_line_each(tmp_path, change, needle):
    folder = _bill_case("fpl_rs1_residential__tenX")
    tariff, load = folder / "tariff.json", folder / "load.csv"
    if "tariff" in change:
        tariff = tmp_path / "t.json"
        tariff.write_text(change["tariff"])
    if "load" in change:
        load = tmp_path / "l.csv"
        load.write_text(change["load"])
    args = ["bill", "--tariff", str(tariff), "--load", str(load), "--year", change.get("year", "2018")]
    if "steps" in change:
        args += ["--steps-per-hour", change["steps"]]
    res = omf_der(*args)
    assert res.returncode == 2 and needle in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert res.stdout == ""
