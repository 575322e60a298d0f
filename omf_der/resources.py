"""Where the project's shipped files are: default example data, templates, static assets.

They live at the repository root (``static_data/``, ``templates/``, ``static/``); a wheel ships
them inside the package (``omf_der/static_data/`` ...). Both a source checkout (editable
install) and a wheel install find them here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_ROOT = _PACKAGE.parent

DEFAULT_FILES = {
    "demand_curve_kw": "example_load_kw.csv",
    "temperature_curve_f": "example_temperature_f.csv",
    "tariff": "example_residential_tariff.json",
    "wh_random_numbers": "example_water_heater_random_numbers.csv",
}


@cache
def shipped_dir(name: str) -> Path:
    """Folder of shipped files: ``"static_data"``, ``"templates"`` or ``"static"``."""
    if (_PACKAGE / name).is_dir():                                       # wheel install
        return _PACKAGE / name
    if (_ROOT / "pyproject.toml").is_file() and (_ROOT / name).is_dir():  # source checkout
        return _ROOT / name
    raise FileNotFoundError(f"omf-der installation is missing its {name}/ folder")


def static_data_path(filename: str) -> Path:
    """Path of a file in ``static_data/``."""
    return shipped_dir("static_data") / filename


def read_static_bytes(filename: str) -> bytes:
    return static_data_path(filename).read_bytes()
