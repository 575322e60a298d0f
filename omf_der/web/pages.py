"""Model pages: the input form, running in the background, progress, results, and the run actions
(run again, duplicate, delete, cancel) and file downloads.

A form that does not validate is shown again with every error beside its field and everything the
user entered: typed values as typed, uploaded files kept server-side (a *draft*) so they need not
be uploaded again. A run folder is created only for valid inputs.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flask import Blueprint, Response, abort, g, render_template, request, send_file, send_from_directory, url_for

from .. import model_dir as md
from ..errors import InputError, InputErrors
from ..fuels import FUELS
from ..inputs import Inputs
from ..resources import DEFAULT_FILES, read_static_bytes
from ..runner import reproduction_inputs
from . import flash_and_redirect, forms, services
from .home import model_module
from .jobs import AlreadyActive
from .store import RunInfo, check_name
from .vendor import plotlyjs_url_name

bp = Blueprint("runs", __name__)
_FORM_META = ("csrf_token", "run_name", "draft")


# =========================================================================== pages
@bp.get("/new/<model>")
def new(model: str):
    module = model_module(model)
    name = services().store.unique_name(f"{module.NAME} {time.strftime('%Y-%m-%d')}")
    values = forms.form_values(module.SCHEMA, {})
    return _page(module, None, values, {}, [], _file_slots(module, None, {}, None), name=name)


@bp.post("/new/<model>")
def create(model: str):
    module = model_module(model)
    if g.get("csrf_failed"):
        return _expired_form(module, None)
    store = services().store
    name_error = None
    try:
        name = check_name(request.form.get("run_name", ""))
        if store.exists(name):
            raise InputError("run name", name, "a name no other run has")
    except InputError as exc:
        name, name_error = request.form.get("run_name", ""), exc.message
    inputs, retry = _parse_form(module, None, name_error)
    if retry is not None:
        return retry
    try:
        store.create(name, module.NAME, inputs.to_json_dict())
    except InputError as exc:    # taken in the meantime by another request: the form again, with the message
        return _parse_form(module, None, exc.message)[1]
    store.drop_draft(request.form.get("draft"))
    services().jobs.submit(name, module.NAME)
    return flash_and_redirect(f"Run {name!r} started.", "runs.show", name=name)


@bp.get("/run/<name>")
def show(name: str):
    info = _info(name)
    module = model_module(info.model)
    inputs_json = _saved_inputs(info)
    values = forms.form_values(module.SCHEMA, inputs_json)
    return _page(module, info, values, {}, [], _file_slots(module, info, inputs_json, None))


@bp.post("/run/<name>")
def rerun(name: str):
    info = _info(name)
    module = model_module(info.model)
    if g.get("csrf_failed"):
        return _expired_form(module, info)
    store, jobs = services().store, services().jobs
    busy = "This run is in progress: cancel it before running it again."
    if info.active:
        return flash_and_redirect(busy, "runs.show", "error", name=info.name)
    inputs, retry = _parse_form(module, info, None)
    if retry is not None:
        return retry
    try:   # the new inputs replace the old run only once this request holds the run
        jobs.submit(info.name, module.NAME,
                    prepare=lambda: store.reset(info.name, inputs.to_json_dict(), model=module.NAME, status="new"))
    except AlreadyActive:
        return flash_and_redirect(busy, "runs.show", "error", name=info.name)
    store.drop_draft(request.form.get("draft"))
    return flash_and_redirect(f"Run {info.name!r} started.", "runs.show", name=info.name)


@bp.get("/run/<name>/status.json")
def status(name: str):
    info = _info(name)
    module = model_module(info.model)
    return {"name": info.name, "status": info.status, "step": info.meta.get("step"),
            "steps": _steps(module, info), "elapsed_s": info.elapsed_s, "error": info.error,
            "npv_usd": info.npv_usd}


@bp.post("/run/<name>/cancel")
def cancel(name: str):
    info = _info(name)
    if services().jobs.cancel(info.name):
        status = _info(info.name).status
        if status == "cancelled":
            return flash_and_redirect(f"Run {info.name!r} cancelled.", "runs.show", name=info.name)
        return flash_and_redirect(f"The run had already ended ({status}).", "runs.show", name=info.name)
    return flash_and_redirect("The run was not in progress.", "runs.show", "error", name=info.name)


@bp.post("/run/<name>/delete")
def delete(name: str):
    info = _info(name)
    services().jobs.cancel(info.name)
    services().store.delete(info.name)
    return flash_and_redirect(f"Run {info.name!r} deleted.", "home.index")


@bp.post("/run/<name>/duplicate")
def duplicate(name: str):
    """A new run with this run's inputs; a finished run's seeds and water-heater random numbers are
    carried, with "use the provided random numbers" on, so running the copy reproduces it."""
    info = _info(name)
    store = services().store
    module = model_module(info.model)
    wanted = request.form.get("new_name", "").strip() or store.unique_name(f"{info.name} copy")
    try:
        new_name = check_name(wanted)
        if store.exists(new_name):
            raise InputError("new name", new_name, "a name no other run has")
    except InputError as exc:
        return flash_and_redirect(f"Not duplicated: {exc.message}", "runs.show", "error", name=info.name)
    reproducible = info.status == "finished" and (info.folder / "random_seeds.csv").is_file()
    data = reproduction_inputs(info.folder) if reproducible else _saved_inputs(info)
    try:
        inputs = module.parse(data)
    except InputErrors as exc:
        return flash_and_redirect("Not duplicated: the saved inputs do not validate: " + "; ".join(
            e.message for e in exc.errors), "runs.show", "error", name=info.name)
    try:
        store.create(new_name, module.NAME, inputs.to_json_dict(), duplicated_from=info.name)
    except InputError as exc:   # taken in the meantime
        return flash_and_redirect(f"Not duplicated: {exc.message}", "runs.show", "error", name=info.name)
    note = " with its seeds and random numbers: press Run to reproduce it" if reproducible else ""
    return flash_and_redirect(f"Duplicated {info.name!r}{note}.", "runs.show", name=new_name)


# =========================================================================== files
@bp.get("/run/<name>/files/<filename>")
def download(name: str, filename: str):
    """A file of the run's folder (only plain, visible files directly inside it)."""
    info = _info(name)
    if filename.startswith(".") or filename not in md.list_files(info.folder):
        abort(404, description=f"Run {info.name!r} has no file {filename!r}.")
    return send_from_directory(info.folder, filename, as_attachment=True, max_age=0)


@bp.get("/run/<name>/inputs/<field>")
def input_file(name: str, field: str):
    """A file-like input of the run (curve, rate, random numbers) as the run uses it."""
    info = _info(name)
    module = model_module(info.model)
    f = _file_field(module, field)
    value = _saved_inputs(info).get(f.name)
    if value is None:
        abort(404, description=f"Run {info.name!r} has no saved {f.label}.")
    content, ext, mime = forms.file_bytes(f, value)
    filename = forms.download_name(_saved_inputs(info).get(f.file_name_field) or f.name, ext)
    return _attachment(content, filename, mime)


@bp.get("/examples/<model>/<field>")
def example_file(model: str, field: str):
    """The example file a new run of ``model`` uses for ``field``."""
    f = _file_field(model_module(model), field)
    filename = DEFAULT_FILES[f.name]
    mime = "application/json" if filename.endswith(".json") else "text/csv"
    return _attachment(read_static_bytes(filename), filename, mime)


@bp.get("/drafts/<token>/<field>")
def draft_file(token: str, field: str):
    """An upload kept from a form that did not validate (the random token is the capability)."""
    kept = services().store.load_draft(token).get(field)
    if kept is None:
        abort(404, description="This uploaded file is no longer kept; upload it again.")
    filename, content = kept
    return _attachment(content, filename, "application/octet-stream")


# =========================================================================== helpers
def _info(name: str) -> RunInfo:
    try:
        info = services().store.info(name)
    except InputError:
        info = None
    if info is None:
        abort(404, description=f"There is no run named {name!r}.")
    if not info.active and services().jobs.is_active(info.name):
        info.status = "queued"       # claimed by a request that is writing its inputs
    return info


def _saved_inputs(info: RunInfo) -> dict[str, Any]:
    try:
        data = md.read_json(info.folder / md.INPUTS_FILE)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _file_field(module, name: str):
    f = module.SCHEMA.fields.get(name)
    if f is None or not f.is_file:
        abort(404, description=f"{module.NAME} has no file input {name!r}.")
    return f


def _attachment(content: bytes, filename: str, mime: str) -> Response:
    """``content`` as a download named ``filename`` (any characters; control characters dropped)."""
    safe = re.sub(r"[\x00-\x1f\x7f]", "", filename).strip() or "download"
    return send_file(io.BytesIO(content), mimetype=mime, as_attachment=True, download_name=safe, max_age=0)


def _uploads(schema) -> tuple[dict[str, tuple[str, bytes]], list[InputError]]:
    """Non-empty uploads of the request's file inputs, and an error for each chosen file that is
    empty and for each upload that is not a file input. Read once per request."""
    if "omf_der_uploads" not in g:
        uploads, errors = {}, []
        file_fields = [f.name for f in schema.fields.values() if f.is_file]
        for key, storage in request.files.items(multi=False):
            if not storage or not storage.filename:
                continue
            if key not in file_fields:
                errors.append(InputError(key, storage.filename, "uploads only for the file inputs: "
                                         + ", ".join(file_fields)))
                continue
            content = storage.read()
            if content:
                uploads[key] = (storage.filename, content)
            else:
                errors.append(InputError(key, storage.filename, "a file with data in it (this file is empty)"))
        g.omf_der_uploads = (uploads, errors)
    return g.omf_der_uploads


def _parse_form(module, info: RunInfo | None, name_error: str | None) -> tuple[Inputs | None, Any]:
    """(inputs, None) when the form validates, else (None, the form shown again with its errors)."""
    schema = module.SCHEMA
    store = services().store
    draft = request.form.get("draft") or None
    kept = {k: v for k, v in store.load_draft(draft).items() if k in schema.fields}
    uploads, upload_errors = _uploads(schema)
    saved = _saved_inputs(info) if info is not None else {}
    files: dict[str, tuple[str, bytes]] = {}
    for f in schema.fields.values():
        if not f.is_file:
            continue
        if f.name in uploads:
            files[f.name] = uploads[f.name]
        elif f.name in kept:
            files[f.name] = kept[f.name]
        elif saved.get(f.name) is not None:      # the run's own file, unchanged
            files[f.name] = (str(saved.get(f.file_name_field) or f.name), forms.file_bytes(f, saved[f.name])[0])
    form = _posted_values()
    errors: list[InputError] = list(upload_errors)
    inputs = None
    try:
        inputs = Inputs.from_form(form, files, schema=schema)
    except InputErrors as exc:
        errors += exc.errors
    if not errors and name_error is None:
        return inputs, None
    by_field, general = forms.errors_by_field(schema, errors)
    # keep the uploads that were fine; a rejected upload is dropped (its error says what was wrong,
    # and its slot says which file the run would use instead)
    good = {k: v for k, v in uploads.items() if k not in by_field}
    rejected = {k: v[0] for k, v in uploads.items() if k in by_field}
    token = store.save_draft(draft, good)
    kept_now = {k: v for k, v in store.load_draft(token).items() if k in schema.fields}
    values = _typed_values(schema)
    slots = _file_slots(module, info, saved, token, kept_now, rejected)
    page = _page(module, info, values, by_field, general, slots, name=request.form.get("run_name", ""),
                 name_error=name_error, draft=token, status=400)
    return None, page


def _posted_values() -> dict[str, str]:
    """The posted input fields (a checkbox posts a hidden "no" then "yes" when ticked: the last wins)."""
    return {k: request.form.getlist(k)[-1] for k in request.form if k not in _FORM_META}


def _typed_values(schema) -> dict[str, str]:
    """What to show in the form again: the posted values, and every field the post lacked."""
    values = _posted_values()
    for f in schema.fields.values():      # an unticked checkbox posts only its hidden "no"
        values.setdefault(f.name, "no" if f.kind == "boolean" else "")
    return values


def _expired_form(module, info: RunInfo | None):
    """A form posted with an out-of-date security token: shown again as typed, nothing run or saved."""
    schema = module.SCHEMA
    values = _typed_values(schema)
    draft = request.form.get("draft") or None
    kept = {k: v for k, v in services().store.load_draft(draft).items() if k in schema.fields}
    saved = _saved_inputs(info) if info is not None else {}
    message = ("The form's security token was out of date (the page was opened before the server restarted, or "
               "in another browser): nothing was run. Your entries are below; press Run again"
               + (" after choosing your files again." if request.files else "."))
    page = _page(module, info, values, {}, [message], _file_slots(module, info, saved, draft, kept),
                 name=request.form.get("run_name", ""), draft=draft if kept else None, status=400)
    return page


def _file_slots(module, info: RunInfo | None, saved: Mapping[str, Any], token: str | None,
                kept: Mapping[str, tuple[str, bytes]] | None = None,
                rejected: Mapping[str, str] | None = None) -> dict[str, forms.FileSlot]:
    """The file each upload field holds: a kept upload, else the run's own, else the example."""
    slots = {}
    for f in module.SCHEMA.fields.values():
        if not f.is_file:
            continue
        if kept and f.name in kept:
            slot = forms.FileSlot(kept[f.name][0], "draft", url_for("runs.draft_file", token=token, field=f.name))
        elif info is not None and saved.get(f.name) is not None:
            slot = forms.FileSlot(str(saved.get(f.file_name_field) or f.name), "run",
                                  url_for("runs.input_file", name=info.name, field=f.name))
        else:
            slot = forms.FileSlot(DEFAULT_FILES[f.name], "default",
                                  url_for("runs.example_file", model=module.NAME, field=f.name))
        slots[f.name] = replace(slot, rejected=(rejected or {}).get(f.name))
    return slots


def _steps(module, info: RunInfo) -> list[dict[str, str]]:
    """The model's steps with their state: done, current or waiting."""
    current = info.meta.get("step")
    states, seen = [], current is None and info.status == "finished"
    index = module.STEPS.index(current) if current in module.STEPS else -1
    for i, step in enumerate(module.STEPS):
        if seen or i < index:
            state = "done"
        elif i == index:
            state = "current"
        else:
            state = "waiting"
        states.append({"name": step, "state": state})
    return states


def _results(info: RunInfo) -> dict[str, Any] | None:
    if info.status != "finished":
        return None
    try:
        outputs = md.read_json(info.folder / md.OUTPUTS_FILE)
    except (OSError, ValueError):
        return None
    rows = [r for r in outputs.get("monthly_table", [])
            if not r.get("optional") or any(abs(v) > 1e-9 for v in r["monthly"])]
    return {"outputs": outputs, "summary": outputs["summary"], "table": rows, "plots": outputs.get("plots", {}),
            "cash_flow": outputs.get("cash_flow"), "technologies": outputs.get("technologies", {}),
            "files": outputs.get("files", []), "notes": outputs.get("notes", [])}


def _page(module, info: RunInfo | None, values: Mapping[str, str], errors: Mapping[str, str], general: list[str],
          slots: Mapping[str, forms.FileSlot], *, name: str = "", name_error: str | None = None,
          draft: str | None = None, status: int = 200):
    from flask import current_app

    sections = forms.sections(module.SCHEMA, values, errors, slots)
    context = dict(
        module=module, run=info, sections=sections, general_errors=general, draft=draft,
        run_name=info.name if info else name, name_error=name_error, n_errors=len(errors) + len(general)
        + (1 if name_error else 0),
        steps=_steps(module, info) if info else [], results=_results(info) if info else None,
        fuels={k: {"cost": f.default_cost_usd_per_unit, "efficiency": f.default_efficiency_pct,
                   "available": f.default_available_units, "unit": f.unit_label} for k, f in FUELS.items()},
        max_upload_bytes=current_app.config["MAX_CONTENT_LENGTH"], plotlyjs=plotlyjs_url_name(),
        form_action=url_for("runs.rerun", name=info.name) if info else url_for("runs.create", model=module.NAME),
    )
    return render_template(f"{module.NAME}.html", **context), status
