"""Where the project's shipped files are: default example data, templates, static assets.

They live at the repository root (``static_data/``, ``templates/``, ``static/``) and are shipped
inside the package as ``omf_der.static_data`` etc., so both a source checkout (editable install)
and a wheel install find them.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_FILES = {
    "demand_curve_kw": "example_load_kw.csv",
    "temperature_curve_f": "example_temperature_f.csv",
    "tariff": "example_residential_tariff.json",
    "wh_random_numbers": "example_water_heater_random_numbers.csv",
}


@cache
def shipped_dir(name: str) -> Path:
    """Folder of shipped files: ``"static_data"``, ``"templates"`` or ``"static"``."""
    if (_ROOT / "pyproject.toml").is_file() and (_ROOT / name).is_dir():  # source checkout
        return _ROOT / name
    return Path(str(resources.files(f"omf_der.{name}")))


def static_data_path(filename: str) -> Path:
    """Path of a file in ``static_data/``."""
    return shipped_dir("static_data") / filename


def read_static_bytes(filename: str) -> bytes:
    return static_data_path(filename).read_bytes()
