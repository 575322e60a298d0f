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
