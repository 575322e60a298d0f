"""Default example data: provenance documented, contents plausible, and the regeneration script
reproduces the committed files byte for byte."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from omf_der.inputs import Inputs
from omf_der.resources import DEFAULT_FILES, static_data_path
from omf_der.seeds import water_heater_random_numbers

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "static_data" / "make_defaults.py"


def _regenerate(out: Path, *args: str) -> None:
    res = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), *args],
                         capture_output=True, text=True, timeout=1800)
    assert res.returncode == 0, res.stderr[-3000:]


def test_readme_explains_every_default_file():
    readme = (ROOT / "static_data" / "README.md").read_text()
    for filename in DEFAULT_FILES.values():
        assert filename in readme
    for must in ("make_defaults.py", "licence", "OCHRE", "ResStock", "TMY3", "bldg0112631"):
        assert must in readme, must


def test_default_load_is_a_plausible_denver_all_electric_home():
    load = Inputs.defaults().demand_curve_kw
    # an all-electric 1,698 ft² home with a heat pump in Denver: 8-20 MWh/yr, winter-peaking
    assert 8000 < load.sum() < 20000
    assert 0.1 < load.min() and load.max() < 20
    cal = Inputs.defaults().calendar
    monthly = cal.monthly_sum(load)
    assert monthly[[0, 11]].mean() > monthly[[4, 8]].mean()  # heating months above shoulder months


def test_default_temperature_is_denver():
    t = Inputs.defaults().temperature_curve_f
    assert -30 < t.min() < 10 and 90 < t.max() < 110 and 45 < t.mean() < 56
    cal = Inputs.defaults().calendar
    assert cal.monthly_sum(t)[6] / 744 > cal.monthly_sum(t)[0] / 744 + 30  # July much warmer than January


def test_random_numbers_come_from_our_seeded_generator():
    committed = Inputs.defaults().wh_random_numbers
    np.testing.assert_array_equal(committed, water_heater_random_numbers(2018))
    assert committed[:, 0].max() <= 18 and committed[:, 1].min() >= -14


def test_local_part_reproduces_tariff_and_random_numbers(tmp_path):
    _regenerate(tmp_path, "--part", "local")
    for key in ("tariff", "wh_random_numbers"):
        name = DEFAULT_FILES[key]
        assert (tmp_path / name).read_bytes() == static_data_path(name).read_bytes(), name


@pytest.mark.slow
def test_regeneration_reproduces_committed_files_byte_for_byte(tmp_path):
    """Runs the whole script: the OCHRE simulation in its pinned environment (minutes)."""
    _regenerate(tmp_path, "--venv", str(ROOT / ".cache" / "regen-venv"))
    for name in DEFAULT_FILES.values():
        assert (tmp_path / name).read_bytes() == static_data_path(name).read_bytes(), name


def test_wheel_ships_data_templates_and_static(tmp_path):
    """A non-editable install must find the default data, templates and CSS inside the package."""
    import zipfile

    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    (wheel,) = tmp_path.glob("omf_der-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for filename in DEFAULT_FILES.values():
        assert f"omf_der/static_data/{filename}" in names
    assert {"omf_der/templates/home.html", "omf_der/templates/layout.html", "omf_der/static/style.css"} <= names
