"""Home page (the list of runs), the inputs reference, and the inputs schema and defaults as JSON."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request

from ..inputs import Inputs, dumps_inputs, json_schema
from ..runner import MODELS, load_model

bp = Blueprint("home", __name__)


def model_module(name: str | None):
    """The model definition called ``name`` (404 for anything else)."""
    if name not in MODELS:
        abort(404, description=f"There is no model {name!r}; the models are {', '.join(MODELS)}.")
    return load_model(name)


@bp.get("/")
def index() -> str:
    from . import services

    runs = services().store.runs()
    models = [load_model(name) for name in MODELS]
    return render_template("home.html", runs=runs, models=models)


@bp.get("/inputs/<model>")
def inputs_reference(model: str) -> str:
    module = model_module(model)
    schema = module.SCHEMA
    sections = [(title, [f for f in schema.fields.values() if f.section == key])
                for key, title in schema.sections.items()]
    return render_template("inputs.html", module=module, sections=[s for s in sections if s[1]])


@bp.get("/schema.json")
def schema() -> Response:
    return jsonify(json_schema(model_module(request.args.get("model", "derConsumer")).SCHEMA))


@bp.get("/defaults.json")
def defaults() -> Response:
    module = model_module(request.args.get("model", "derConsumer"))
    return Response(dumps_inputs(Inputs.defaults(module.SCHEMA)), mimetype="application/json")
