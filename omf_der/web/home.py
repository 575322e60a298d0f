"""Home page, and the inputs schema and defaults as JSON."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template

from .. import __version__
from ..inputs import FIELDS_LIST, SECTIONS, Inputs, dumps_inputs, json_schema

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    sections = [(title, [f for f in FIELDS_LIST if f.section == key]) for key, title in SECTIONS.items()]
    return render_template("home.html", sections=sections, version=__version__)


@bp.get("/schema.json")
def schema() -> Response:
    return jsonify(json_schema())


@bp.get("/defaults.json")
def defaults() -> Response:
    return Response(dumps_inputs(Inputs.defaults()), mimetype="application/json")
