"""plotly.js, served by the app itself (no CDN: the pages work offline).

It is the copy inside the installed ``plotly`` Python package, so the browser always draws the
figures with the plotly.js of the package that wrote them (figures since plotly 6 use typed
arrays that only a matching plotly.js decodes). The URL is under ``/static/`` and carries the
version, so browsers may cache it for good.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import plotly
from flask import Blueprint, send_file

bp = Blueprint("vendor", __name__)


@cache
def plotlyjs_path() -> Path:
    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


def plotlyjs_url_name() -> str:
    return f"plotly-{plotly.__version__}.min.js"


@bp.get("/static/vendor/<string:name>")
def plotlyjs(name: str):
    from flask import abort

    if name != plotlyjs_url_name():
        abort(404, description=f"No file {name} here; this app serves {plotlyjs_url_name()}.")
    return send_file(plotlyjs_path(), mimetype="text/javascript", max_age=365 * 24 * 3600)
