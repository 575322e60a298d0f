"""The web app through Flask's test client: every route, the happy path, invalid inputs (errors
beside their fields, values and uploads kept, no run folder), oversize uploads, traversal attempts,
missing runs, CSRF, the optional password, cancel, duplicate (reproduces the run byte for byte),
and concurrent runs of both models.

Runs are real: background processes computing the model (about 3 s each).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from markupsafe import escape
from werkzeug.datastructures import MultiDict

from omf_der.economics import TABLE_ROWS
from omf_der.inputs import DER_CONSUMER, FIELDS, Inputs
from omf_der.resources import static_data_path
from omf_der.web import create_app, forms
from omf_der.web.format import usd, years
from omf_der.web.store import RunStore, check_name

# The tests never use the network: a URDB label that is not cached fails (deterministically).
os.environ["OMF_DER_OFFLINE"] = "1"

ROOT = Path(__file__).resolve().parent.parent


# =========================================================================== helpers
class FormReader(HTMLParser):
    """The fields a browser would post from ``#inputs-form`` as rendered (ticked boxes only)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.file_inputs: list[str] = []
        self._in_form = False
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_form = a.get("id") == "inputs-form"
        if not self._in_form:
            return
        if tag == "input" and a.get("type") in ("text", "hidden") and a.get("name"):
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self.fields.append((a["name"], a["value"]))
        elif tag == "input" and a.get("type") == "file":
            self.file_inputs.append(a["name"])
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and "selected" in a:
            self.fields.append((self._select, a["value"]))

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False


def read_form(html: str) -> FormReader:
    reader = FormReader()
    reader.feed(html)
    return reader


def form_data(html: str, **changes) -> MultiDict:
    """The rendered form's values with some changed (a changed checkbox value replaces all its values)."""
    data = MultiDict(read_form(html).fields)
    for key, value in changes.items():
        data.setlist(key, [value])
    return data


def csrf(html: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


def field_error(html: str, name: str) -> str:
    m = re.search(rf'<p class="field-error" id="error-{re.escape(name)}" role="alert"( hidden)?>([^<]*)</p>', html)
    assert m, f"no error slot for {name}"
    return "" if m.group(1) else m.group(2)


def input_value(html: str, name: str) -> str:
    m = re.search(rf'id="in-{re.escape(name)}" name="{re.escape(name)}" value="([^"]*)"', html)
    assert m, f"no text input {name}"
    return m.group(1)


def wait_done(client, name: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = client.get(f"/run/{name}/status.json").get_json()
        if status["status"] not in ("queued", "running"):
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.1)


def submit_new(client, model="derConsumer", files=None, **changes):
    page = client.get(f"/new/{model}").get_data(as_text=True)
    data = form_data(page, **changes)
    for key, value in (files or {}).items():
        data.add(key, value)
    return client.post(f"/new/{model}", data=data, content_type="multipart/form-data")


def run_dirs(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path_factory.mktemp("runs")), "MAX_WORKERS": 2})
    yield app
    app.extensions["omf_der"].jobs.shutdown(cancel=True)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def finished(app):
    """One derConsumer run on the form's defaults, finished."""
    client = app.test_client()
    res = submit_new(client, run_name="defaults")
    assert res.status_code == 303, res.get_data(as_text=True)[:2000]
    assert wait_done(client, "defaults")["status"] == "finished"
    return app.extensions["omf_der"].store.folder("defaults")


# =========================================================================== pages
def test_home_lists_runs_with_model_status_created_and_npv(client, finished):
    html = client.get("/").get_data(as_text=True)
    assert 'id="new-derConsumer"' in html and 'id="new-vbatDispatch"' in html
    row = re.search(r'<tr data-run="defaults">(.*?)</tr>', html, re.S).group(1)
    npv = json.loads((finished / "allOutputData.json").read_text())["summary"]["npv_usd"]
    assert "derConsumer" in row and "status-finished" in row and usd(npv) in row
    assert re.search(r"<time datetime=\"\d{4}-\d\d-\d\dT", row)


def test_home_without_runs_says_how_to_start(tmp_path):
    client = create_app({"TESTING": True, "DATA_DIR": str(tmp_path)}).test_client()
    html = client.get("/").get_data(as_text=True)
    assert 'id="no-runs"' in html


def test_inputs_reference_lists_every_input(client):
    html = client.get("/inputs/derConsumer").get_data(as_text=True)
    for name in FIELDS:
        assert f"<code>{name}</code>" in html
    assert client.get("/inputs/vbatDispatch").status_code == 200
    assert client.get("/inputs/nope").status_code == 404


def test_schema_and_defaults_endpoints(client):
    schema = client.get("/schema.json").get_json()
    assert set(schema["properties"]) == set(FIELDS)
    res = client.get("/defaults.json")
    assert res.mimetype == "application/json"
    assert len(json.loads(res.get_data())["demand_curve_kw"]) == 8760
    vbat = client.get("/schema.json?model=vbatDispatch").get_json()
    assert "n_devices" in vbat["properties"]
    assert client.get("/defaults.json?model=nope").status_code == 404


@pytest.mark.parametrize("model", ["derConsumer", "vbatDispatch"])
def test_form_is_generated_from_the_schema(client, model):
    from omf_der.runner import load_model

    schema = load_model(model).SCHEMA
    html = client.get(f"/new/{model}").get_data(as_text=True)
    positions = [html.index(f"<legend>{title}") for key, title in schema.sections.items()
                 if any(f.section == key for f in schema.fields.values())]
    assert positions == sorted(positions), "sections in the schema's order"
    companions = {f.file_name_field for f in schema.fields.values() if f.file_name_field}
    for f in schema.fields.values():
        if f.name in companions:
            assert f'name="{f.name}"' not in html   # a file's name travels with its upload
            continue
        block = re.search(rf'<div class="field[^"]*" id="field-{f.name}".*?</div>\n', html, re.S).group(0)
        assert str(escape(f.label)) in block
        assert str(escape(f.help))[:40] in block
        if f.unit:
            assert f"({f.unit})" in block
        if f.kind in ("number", "integer"):
            assert f"Allowed: {f.expected()}" in block
    # posting the form exactly as rendered gives the model's defaults
    reader = read_form(html)
    assert set(reader.file_inputs) == {f.name for f in schema.fields.values() if f.is_file}


def test_posting_the_rendered_form_gives_the_defaults(app):
    """The form shows every default so that it reads back exactly (no rounding on the way)."""
    client = app.test_client()
    html = client.get("/new/derConsumer").get_data(as_text=True)
    fields = {k: v for k, v in form_data(html).items(multi=False) if k not in ("csrf_token", "run_name")}
    values = {k: form_data(html).getlist(k)[-1] for k in fields}
    assert Inputs.from_form(values) == Inputs.defaults()


def test_example_files_download_as_shipped(client):
    html = client.get("/new/derConsumer").get_data(as_text=True)
    for field, filename in [("demand_curve_kw", "example_load_kw.csv"), ("tariff", "example_residential_tariff.json"),
                            ("temperature_curve_f", "example_temperature_f.csv"),
                            ("wh_random_numbers", "example_water_heater_random_numbers.csv")]:
        url = f"/examples/derConsumer/{field}"
        assert f'href="{url}"' in html and filename in html
        res = client.get(url)
        assert res.status_code == 200 and filename in res.headers["Content-Disposition"]
        assert res.data == static_data_path(filename).read_bytes()
    assert client.get("/examples/derConsumer/bess_kw").status_code == 404


def test_finished_run_page_shows_results_in_the_reference_order(client, finished):
    html = client.get("/run/defaults").get_data(as_text=True)
    outputs = json.loads((finished / "allOutputData.json").read_text())
    order = ["block-impact_to_demand", "block-der_serving_load", "block-thermal_serving_load",
             "block-thermal_power_profile", "block-bess_state_of_charge", "block-monthly", "block-cash_flow",
             "block-savings_per_technology", "block-savings_thermal", "block-files"]
    positions = [html.index(f'id="{b}"') for b in order]
    assert positions == sorted(positions)
    # every figure is on the page, as the run wrote it
    for key, fig in outputs["plots"].items():
        data = re.search(rf'<script type="application/json" id="plot-{key}-data">(.*?)</script>', html, re.S).group(1)
        assert json.loads(data) == fig
    # the table: every always-shown row of the economics module, 12 months + the year
    rows = re.findall(r'<tr data-row="([^"]+)"[^>]*>\s*<th scope="row">([^<]+)</th>(.*?)</tr>', html, re.S)
    labels = {key: label for key, label, _ in rows}
    for key, label, optional in TABLE_ROWS:
        if not optional:
            assert labels[key] == str(escape(label))
    for _, _, cells in rows:
        assert len(re.findall(r'<td class="num', cells)) == 13
    summary = outputs["summary"]
    assert f'id="npv">{usd(summary["npv_usd"])}<' in html
    assert years(summary["simple_payback_years"]) in html
    for name in outputs["files"]:
        assert f'href="/run/defaults/files/{name}"' in html
    assert '<script src="/static/vendor/plotly-' in html
    external = [u for u in re.findall(r'(?:src|href|action)="([^"]*)"', html) if not u.startswith("/")]
    assert external == [], "the page works offline: every script, style and link is on this server"


def test_plotly_is_served_locally(client):
    import plotly

    res = client.get(f"/static/vendor/plotly-{plotly.__version__}.min.js")
    assert res.status_code == 200 and res.mimetype == "text/javascript"
    assert len(res.data) > 1_000_000 and b"plotly" in res.data[:2000].lower()
    assert client.get("/static/vendor/plotly-0.0.min.js").status_code == 404
    assert client.get("/static/app.js").status_code == 200


def test_raw_files_download(client, finished):
    for name in ["allOutputData.json", "random_seeds.csv", "Plot_NewDemand.html"]:
        res = client.get(f"/run/defaults/files/{name}")
        assert res.status_code == 200
        assert "attachment" in res.headers["Content-Disposition"]
        assert res.data == (finished / name).read_bytes()


def test_run_inputs_download_and_read_back(client, finished):
    saved = json.loads((finished / "allInputData.json").read_text())
    res = client.get("/run/defaults/inputs/demand_curve_kw")
    assert res.status_code == 200 and 'filename=example_load_kw.csv' in res.headers["Content-Disposition"]
    assert np.array_equal(np.loadtxt(io.BytesIO(res.data)), saved["demand_curve_kw"])
    res = client.get("/run/defaults/inputs/tariff")
    assert json.loads(res.data) == saved["tariff"]
    res = client.get("/run/defaults/inputs/wh_random_numbers")
    assert np.array_equal(np.loadtxt(io.BytesIO(res.data), delimiter=","), saved["wh_random_numbers"])
    assert client.get("/run/defaults/inputs/bess_kw").status_code == 404


def test_status_json(client, finished):
    status = client.get("/run/defaults/status.json").get_json()
    assert status["status"] == "finished" and status["error"] is None
    assert [s["name"] for s in status["steps"]][:3] == ["tariff", "thermal devices", "battery and generator"]
    assert all(s["state"] == "done" for s in status["steps"])
    assert status["elapsed_s"] > 0


# =========================================================================== invalid inputs
def test_invalid_inputs_show_errors_beside_fields_and_keep_everything(app):
    client = app.test_client()
    before = run_dirs(app.extensions["omf_der"].store.root)
    tariff = static_data_path("example_residential_tariff.json").read_bytes()
    res = submit_new(client, run_name="bad one", bess_kw="abc", latitude="95", discount_rate_pct="7.5",
                     files={"tariff": (io.BytesIO(tariff), "my_rate.json"),
                            "demand_curve_kw": (io.BytesIO(b"1\n2\n3\n"), "short.csv")})
    assert res.status_code == 400
    html = res.get_data(as_text=True)
    # beside its field, a message names the field by its label, the value and what is allowed
    assert field_error(html, "bess_kw") == "Battery Power Capacity: got &#39;abc&#39;; allowed: a number from 0.1 to 1000 kW"
    assert "-90 to 90" in field_error(html, "latitude")
    assert "8760" in field_error(html, "demand_curve_kw")
    assert field_error(html, "discount_rate_pct") == ""
    # what was typed stays typed
    assert input_value(html, "bess_kw") == "abc" and input_value(html, "latitude") == "95"
    assert input_value(html, "discount_rate_pct") == "7.5" and input_value(html, "run_name") == "bad one"
    assert 'id="error-summary"' in html and "3 inputs to fix" in html
    # the good upload is kept (named, downloadable); the rejected one is not
    token = re.search(r'name="draft" value="([^"]+)"', html).group(1)
    assert "my_rate.json" in html and "Uploaded, kept" in html
    assert client.get(f"/drafts/{token}/tariff").data == tariff
    slot = re.search(r'id="file-demand_curve_kw">(.*?)</p>', html, re.S).group(1)
    assert "short.csv" not in slot and "example_load_kw.csv" in slot
    assert "short.csv was not used" in html
    assert run_dirs(app.extensions["omf_der"].store.root) == before, "no run folder for invalid inputs"

    # fixing the fields and posting again (no new upload) runs with the kept upload
    data = form_data(html, bess_kw="6", latitude="40")
    res = client.post("/new/derConsumer", data=data, content_type="multipart/form-data")
    assert res.status_code == 303
    saved = json.loads((app.extensions["omf_der"].store.folder("bad one") / "allInputData.json").read_text())
    assert saved["tariff"] == json.loads(tariff) and saved["tariff_file_name"] == "my_rate.json"
    assert saved["bess_kw"] == 6 and saved["discount_rate_pct"] == 7.5
    assert client.get(f"/drafts/{token}/tariff").status_code == 404, "the draft is dropped once used"
    wait_done(client, "bad one")


def test_epw_and_random_numbers_uploads_are_used_and_shown(app):
    """An EPW weather file for the temperature (its dry-bulb column, checked against pvlib's
    reader) and a random-numbers table of our own: the run uses them and the page names them."""
    import pvlib
    from test_readers import _epw_from_pvlib_tmy3

    client = app.test_client()
    epw, _ = _epw_from_pvlib_tmy3()
    expected_f = pvlib.iotools.read_epw(io.StringIO(epw))[0]["temp_air"].to_numpy() * 1.8 + 32
    rng = np.random.default_rng(7)
    table = np.column_stack([rng.integers(0, 19, 50), rng.integers(-14, 1, 50), rng.uniform(0, 0.99, 50)])
    csv = "".join(f"{int(a)},{int(b)},{float(c)!r}\n" for a, b, c in table).encode()
    res = submit_new(client, run_name="uploads", use_provided_random_numbers="yes",
                     files={"temperature_curve_f": (io.BytesIO(epw.encode()), "greensboro.epw"),
                            "wh_random_numbers": (io.BytesIO(csv), "my_numbers.csv")})
    assert res.status_code == 303, res.get_data(as_text=True)[:3000]
    folder = app.extensions["omf_der"].store.folder("uploads")
    saved = json.loads((folder / "allInputData.json").read_text())
    np.testing.assert_allclose(saved["temperature_curve_f"], expected_f, rtol=0, atol=1e-9)
    assert saved["temperature_file_name"] == "greensboro.epw"
    assert np.array_equal(saved["wh_random_numbers"], table)
    assert saved["wh_random_numbers_file_name"] == "my_numbers.csv"
    assert wait_done(client, "uploads")["status"] == "finished"
    assert np.array_equal(np.loadtxt(folder / "water_heater_random_numbers.csv", delimiter=","), table)
    html = client.get("/run/uploads").get_data(as_text=True)
    slot = html.split('id="file-temperature_curve_f"')[1][:400]
    assert "In use:" in slot and "greensboro.epw" in slot
    res = client.get("/run/uploads/inputs/temperature_curve_f")
    assert "filename=greensboro.csv" in res.headers["Content-Disposition"]
    np.testing.assert_allclose(np.loadtxt(io.BytesIO(res.data)), expected_f, rtol=0, atol=1e-9)


def test_invalid_values_are_escaped(client):
    res = submit_new(client, run_name="escape", bess_kw='<script>alert(1)</script>')
    html = res.get_data(as_text=True)
    assert res.status_code == 400
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("name", ["", "../evil", "a/b", ".hidden", "x" * 65, "ends.", "tab\tname", "semi;colon"])
def test_bad_run_names_are_refused_beside_the_field(app, name):
    client = app.test_client()
    before = sorted(p.name for p in app.extensions["omf_der"].store.root.parent.iterdir())
    res = submit_new(client, run_name=name)
    assert res.status_code == 400
    assert "letters, digits" in field_error(res.get_data(as_text=True), "run_name")
    assert sorted(p.name for p in app.extensions["omf_der"].store.root.parent.iterdir()) == before


def test_taken_name_is_refused(client, finished):
    res = submit_new(client, run_name="defaults")
    assert res.status_code == 400
    assert "no other run has" in field_error(res.get_data(as_text=True), "run_name")


def test_empty_and_unknown_uploads_are_errors(client):
    res = submit_new(client, run_name="empty upload", files={"tariff": (io.BytesIO(b""), "empty.json"),
                                                               "bess_kw": (io.BytesIO(b"5"), "x.txt")})
    html = res.get_data(as_text=True)
    assert res.status_code == 400
    assert "empty" in field_error(html, "tariff")
    assert "uploads only for the file inputs" in html


def test_corrupt_upload_names_the_field(client):
    res = submit_new(client, run_name="corrupt", files={"tariff": (io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00"), "rate.json")})
    assert res.status_code == 400
    assert field_error(res.get_data(as_text=True), "tariff").startswith("Residential Rate Structure: got &#39;binary data&#39;")


def test_uploads_under_other_names_are_refused_and_never_written(app, tmp_path):
    """A multipart part named like a path is an error, and nothing is written for it."""
    client = app.test_client()
    target = tmp_path / "pwned"
    evil = "../" * 12 + str(target).lstrip("/")
    res = submit_new(client, run_name="evil upload", latitude="999", files={evil: (io.BytesIO(b"x"), "x.csv")})
    assert res.status_code == 400 and "uploads only for the file inputs" in res.get_data(as_text=True)
    assert not list(tmp_path.iterdir())
    drafts = app.extensions["omf_der"].store.root / ".drafts"
    assert not drafts.exists() or not [p for p in drafts.rglob("*") if "pwned" in p.name]


def test_a_rejected_upload_says_which_file_the_run_would_use(client):
    res = submit_new(client, run_name="rejected", files={"demand_curve_kw": (io.BytesIO(b"\x00\x01binary"), "d.csv")})
    html = res.get_data(as_text=True)
    assert res.status_code == 400 and field_error(html, "demand_curve_kw").startswith("Demand Curve")
    note = re.search(r'id="rejected-demand_curve_kw">([^<]*)<', html).group(1)
    assert "d.csv was not used" in note and "example_load_kw.csv" in note


def test_any_upload_file_name_downloads(app):
    """Names outside Latin-1 (and with control characters) are kept and served as downloads."""
    client = app.test_client()
    tariff = static_data_path("example_residential_tariff.json").read_bytes()
    res = submit_new(client, run_name="unicode name", enable_wh="no", enable_ac="no", enable_hp="no",
                     files={"tariff": (io.BytesIO(tariff), "tarif – été 数据.json")})
    assert res.status_code == 303
    saved = json.loads((app.extensions["omf_der"].store.folder("unicode name") / "allInputData.json").read_text())
    assert saved["tariff_file_name"] == "tarif – été 数据.json"
    res = client.get("/run/unicode name/inputs/tariff")
    assert res.status_code == 200 and json.loads(res.data) == json.loads(tariff)
    assert "filename*=UTF-8''tarif%20%E2%80%93%20%C3%A9t%C3%A9%20%E6%95%B0%E6%8D%AE.json" in \
        res.headers["Content-Disposition"]
    wait_done(client, "unicode name")
    # a name with control characters (a browser would not send one; a script might) is kept without them
    inputs = Inputs.from_form({}, {"tariff": ("a\nb\x00c.json", tariff)})
    assert inputs.tariff_file_name == "abc.json"


def test_the_same_new_name_twice_at_once(app):
    """Two forms for one new name: one run; the other form comes back with a name message and its
    upload intact (never a false "empty file")."""
    import threading

    demand = static_data_path("example_load_kw.csv").read_bytes()
    results = []

    def post():
        client = app.test_client()
        page = client.get("/new/derConsumer").get_data(as_text=True)
        data = form_data(page, run_name="twice", enable_wh="no", enable_ac="no", enable_hp="no")
        data.add("demand_curve_kw", (io.BytesIO(demand), "mine.csv"))
        results.append(client.post("/new/derConsumer", data=data, content_type="multipart/form-data"))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results)
    assert codes == [303, 400, 400, 400], codes
    for r in results:
        if r.status_code == 400:
            html = r.get_data(as_text=True)
            assert "no other run has" in field_error(html, "run_name")
            assert field_error(html, "demand_curve_kw") == "" and "mine.csv" in html
    assert wait_done(app.test_client(), "twice")["status"] == "finished"


def test_run_again_from_several_tabs_at_once_starts_one_run(app, finished):
    import threading

    client = app.test_client()
    assert submit_new(client, run_name="tabs", enable_wh="no", enable_ac="no", enable_hp="no").status_code == 303
    assert wait_done(client, "tabs")["status"] == "finished"
    results = []

    def post():
        c = app.test_client()
        html = c.get("/run/tabs").get_data(as_text=True)
        res = c.post("/run/tabs", data=form_data(html), content_type="multipart/form-data", follow_redirects=True)
        results.append((res.status_code, res.get_data(as_text=True)))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(code == 200 for code, _ in results), [code for code, _ in results]
    started = sum("Run &#39;tabs&#39; started." in text for _, text in results)
    busy = sum("cancel it before running it again" in text for _, text in results)
    assert started >= 1 and started + busy == 4
    assert wait_done(client, "tabs")["status"] == "finished"
    assert (app.extensions["omf_der"].store.folder("tabs") / "allOutputData.json").is_file()


def test_an_overlong_text_field_gets_its_own_message(client):
    page = client.get("/new/derConsumer").get_data(as_text=True)
    data = form_data(page, run_name="long", latitude="1" * 600_000)
    res = client.post("/new/derConsumer", data=data, content_type="multipart/form-data")
    assert res.status_code == 413 and "text field that is too long" in res.get_data(as_text=True)


def test_environment_settings_are_text_or_whole_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("OMF_DER_PASSWORD", "0")
    monkeypatch.setenv("OMF_DER_MAX_WORKERS", "3")
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path)})
    assert app.config["PASSWORD"] == "0" and app.config["MAX_WORKERS"] == 3
    assert app.test_client().get("/").status_code == 302, "a password of '0' is a password"
    monkeypatch.setenv("OMF_DER_MAX_WORKERS", "many")
    with pytest.raises(Exception, match="OMF_DER_MAX_WORKERS"):
        create_app({"TESTING": True, "DATA_DIR": str(tmp_path)})


def test_oversize_upload_is_refused_with_a_message(tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "MAX_CONTENT_LENGTH": 200_000})
    client = app.test_client()
    page = client.get("/new/derConsumer").get_data(as_text=True)
    data = form_data(page, run_name="big")
    data.add("demand_curve_kw", (io.BytesIO(b"1.0\n" * 100_000), "big.csv"))
    res = client.post("/new/derConsumer", data=data, content_type="multipart/form-data")
    assert res.status_code == 413
    assert "too large" in res.get_data(as_text=True) and "at most 0.2 MB" in res.get_data(as_text=True)
    assert run_dirs(tmp_path) == []
    assert 'data-max-bytes="200000"' in page   # the browser checks the size before sending


# =========================================================================== traversal, missing runs
@pytest.mark.parametrize("url", [
    "/run/..%2F..%2Fetc/status.json", "/run/defaults/files/..%2FallInputData.json", "/run/defaults/files/%2Fetc%2Fpasswd",
    "/run/defaults/files/.secret_key", "/run/defaults/files/..", "/run/..", "/run/%2E%2E/files/x",
    "/drafts/..%2F..%2F/tariff", "/drafts/abc/tariff", "/run/defaults/inputs/..%2F..%2Fsecret",
])
def test_traversal_attempts_find_nothing(client, finished, url):
    res = client.get(url)
    assert res.status_code == 404
    assert b"root:" not in res.data and (finished.parent / ".secret_key").read_bytes() not in res.data


def test_only_visible_files_directly_in_the_run_folder(client, finished):
    (finished / "sub").mkdir(exist_ok=True)
    (finished / "sub" / "x.txt").write_text("x")
    assert client.get("/run/defaults/files/sub").status_code == 404
    assert client.get("/run/defaults/files/sub%2Fx.txt").status_code == 404
    assert client.get("/run/defaults/files/sub/x.txt").status_code == 404


@pytest.mark.parametrize("method,url", [
    ("get", "/run/nope"), ("get", "/run/nope/status.json"), ("get", "/run/nope/files/allOutputData.json"),
    ("get", "/run/nope/inputs/tariff"), ("post", "/run/nope"), ("post", "/run/nope/cancel"),
    ("post", "/run/nope/delete"), ("post", "/run/nope/duplicate"), ("get", "/new/nope"),
])
def test_missing_run_or_model_is_404_with_a_message(client, method, url):
    html = client.get("/").get_data(as_text=True)
    res = getattr(client, method)(url, data={"csrf_token": csrf(html)})
    assert res.status_code == 404
    text = res.get_data(as_text=True)
    assert "nope" in text
    if url.endswith(".json"):
        assert res.get_json()["error"]


# =========================================================================== CSRF, password, headers
def test_posts_need_the_csrf_token(app, finished):
    client = app.test_client()
    page = client.get("/new/derConsumer").get_data(as_text=True)
    for token in (None, "wrong"):
        data = form_data(page, run_name="no token", bess_kw="6.5")
        if token is None:
            del data["csrf_token"]
        else:
            data.setlist("csrf_token", [token])
        res = client.post("/new/derConsumer", data=data, content_type="multipart/form-data")
        html = res.get_data(as_text=True)
        # the input form comes back as typed, with a fresh token, and nothing is run
        assert res.status_code == 400 and "security token was out of date" in html and "nothing was run" in html
        assert input_value(html, "bess_kw") == "6.5" and input_value(html, "run_name") == "no token"
    assert not app.extensions["omf_der"].store.exists("no token")
    res = client.post("/run/defaults/cancel", data={"csrf_token": "wrong"})
    assert res.status_code == 400 and "security token" in res.get_data(as_text=True)
    other = app.test_client()    # another browser's session cannot use this one's token
    res = other.post("/run/defaults/delete", data={"csrf_token": csrf(page)})
    assert res.status_code == 400 and finished.is_dir()


def test_password_protects_every_page(tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "PASSWORD": "s3cret"})
    client = app.test_client()
    res = client.get("/run/x")
    assert res.status_code == 302 and "/login" in res.headers["Location"]
    assert client.get("/static/style.css").status_code == 200
    page = client.get("/login").get_data(as_text=True)
    res = client.post("/login", data={"csrf_token": csrf(page), "password": "nope"})
    assert res.status_code == 401 and "Wrong password" in res.get_data(as_text=True)
    assert client.get("/").status_code == 302
    res = client.post("/login", data={"csrf_token": csrf(page), "password": "s3cret", "next": "//evil.example/"})
    assert res.status_code == 303 and res.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    home = client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf(home)})
    assert client.get("/").status_code == 302


def test_security_headers(client):
    res = client.get("/")
    assert "script-src 'self'" in res.headers["Content-Security-Policy"]
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["X-Frame-Options"] == "DENY"


def test_secret_key_is_kept_in_the_data_folder_owner_only(tmp_path):
    a = create_app({"TESTING": True, "DATA_DIR": str(tmp_path)})
    b = create_app({"TESTING": True, "DATA_DIR": str(tmp_path)})
    assert a.config["SECRET_KEY"] == b.config["SECRET_KEY"]
    assert (tmp_path / ".secret_key").stat().st_mode & 0o077 == 0


def test_autoescape_is_on(app):
    with app.test_request_context():
        from flask import render_template_string
        assert render_template_string("{{ x }}", x="<script>") == "&lt;script&gt;"


# =========================================================================== run lifecycle
def test_concurrent_runs_of_two_models_do_not_share_files(app):
    client = app.test_client()
    assert submit_new(client, "derConsumer", run_name="pair der").status_code == 303
    assert submit_new(client, "vbatDispatch", run_name="pair vbat").status_code == 303
    store = app.extensions["omf_der"].store
    statuses = {n: wait_done(client, n) for n in ("pair der", "pair vbat")}
    assert all(s["status"] == "finished" for s in statuses.values()), statuses
    der = json.loads((store.folder("pair der") / "allOutputData.json").read_text())
    vbat = json.loads((store.folder("pair vbat") / "allOutputData.json").read_text())
    assert der["model"] == "derConsumer" and vbat["model"] == "vbatDispatch"
    assert "vbatDispatch_results_wh.json" in der["files"] and "vbatDispatch_results.json" in vbat["files"]
    assert "vbatDispatch_results.json" not in der["files"]
    for name, outputs in (("pair der", der), ("pair vbat", vbat)):
        on_disk = set(os.listdir(store.folder(name))) - {"run.json"}
        assert on_disk == set(outputs["files"])
    html = client.get("/run/pair vbat").get_data(as_text=True)
    assert 'id="plot-thermal_power_profile"' in html and "Device Type" in html
    assert not [p for p in store.root.iterdir() if ".staging-" in p.name or ".old-" in p.name]


def test_duplicate_carries_seeds_and_reproduces_the_run(app, finished):
    client = app.test_client()
    page = client.get("/run/defaults").get_data(as_text=True)
    res = client.post("/run/defaults/duplicate", data={"csrf_token": csrf(page), "new_name": "defaults again"})
    assert res.status_code == 303 and res.headers["Location"].endswith("/run/defaults%20again")
    store = app.extensions["omf_der"].store
    copy = store.folder("defaults again")
    saved = json.loads((copy / "allInputData.json").read_text())
    seeds = dict(line.split(",") for line in (finished / "random_seeds.csv").read_text().splitlines()[1:])
    assert saved["use_provided_random_numbers"] is True
    assert saved["random_seed_bess_gen"] == int(seeds["bess_gen"]) and saved["random_seed_wh"] == int(seeds["wh"])
    numbers = np.loadtxt(finished / "water_heater_random_numbers.csv", delimiter=",")
    assert np.array_equal(saved["wh_random_numbers"], numbers)
    html = client.get("/run/defaults again").get_data(as_text=True)
    assert 'id="run-new"' in html and "status-new" in html and "Duplicated from" in html
    assert not (copy / "allOutputData.json").exists()
    # run the copy as the page's Run button does: post the form as shown
    res = client.post("/run/defaults again", data=form_data(html), content_type="multipart/form-data")
    assert res.status_code == 303
    assert wait_done(client, "defaults again")["status"] == "finished"
    assert (copy / "allOutputData.json").read_bytes() == (finished / "allOutputData.json").read_bytes()
    assert store.info("defaults again").meta["duplicated_from"] == "defaults"


def test_duplicate_refuses_bad_or_taken_names(client, finished):
    page = client.get("/run/defaults").get_data(as_text=True)
    for name in ("../x", "defaults"):
        res = client.post("/run/defaults/duplicate", data={"csrf_token": csrf(page), "new_name": name},
                          follow_redirects=True)
        assert "Not duplicated" in res.get_data(as_text=True)


def test_rerun_with_changed_inputs_replaces_the_results(app):
    client = app.test_client()
    assert submit_new(client, run_name="edit me", enable_ac="no", enable_hp="no", enable_wh="no").status_code == 303
    assert wait_done(client, "edit me")["status"] == "finished"
    store = app.extensions["omf_der"].store
    created = store.info("edit me").created
    html = client.get("/run/edit me").get_data(as_text=True)
    assert 'id="run-button"' in html and "Run again" in html
    res = client.post("/run/edit me", data=form_data(html, bess_kw="2.5"), content_type="multipart/form-data")
    assert res.status_code == 303
    status = client.get("/run/edit me/status.json").get_json()
    assert status["status"] in ("queued", "running")
    assert not (store.folder("edit me") / "allOutputData.json").exists(), "no stale results during a rerun"
    assert wait_done(client, "edit me")["status"] == "finished"
    saved = json.loads((store.folder("edit me") / "allInputData.json").read_text())
    assert saved["bess_kw"] == 2.5 and saved["enable_ac"] is False
    assert store.info("edit me").created == created


def test_rerun_while_running_is_refused(app):
    client = app.test_client()
    assert submit_new(client, run_name="busy").status_code == 303
    html = client.get("/run/busy").get_data(as_text=True)
    res = client.post("/run/busy", data=form_data(html), content_type="multipart/form-data", follow_redirects=True)
    text = res.get_data(as_text=True)
    if "status-finished" not in text:     # (it may have finished already on a fast machine)
        assert "cancel it before running it again" in text
    wait_done(client, "busy")


def test_cancel_stops_a_running_and_a_queued_run(tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "MAX_WORKERS": 1})
    client = app.test_client()
    try:
        assert submit_new(client, run_name="first", enable_generator="yes").status_code == 303
        assert submit_new(client, run_name="second").status_code == 303
        assert client.get("/run/second/status.json").get_json()["status"] == "queued"
        page = client.get("/run/second").get_data(as_text=True)
        assert 'id="cancel-button"' in page and 'id="progress"' in page and "<fieldset class=\"form-body\" disabled>" in page
        assert client.post("/run/second/cancel", data={"csrf_token": csrf(page)}).status_code == 303
        deadline = time.monotonic() + 30
        while client.get("/run/first/status.json").get_json()["status"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert client.post("/run/first/cancel", data={"csrf_token": csrf(page)}).status_code == 303
        for name in ("first", "second"):
            assert client.get(f"/run/{name}/status.json").get_json()["status"] == "cancelled"
            folder = tmp_path / name
            assert sorted(os.listdir(folder)) == ["allInputData.json", "run.json"]
            html = client.get(f"/run/{name}").get_data(as_text=True)
            assert 'id="run-cancelled"' in html and 'id="in-bess_kw"' in html
        assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name or ".old-" in p.name]
        time.sleep(0.5)   # the queue moves on: nothing else starts
        assert client.get("/run/second/status.json").get_json()["status"] == "cancelled"
        assert client.post("/run/first/cancel", data={"csrf_token": csrf(page)},
                           follow_redirects=True).get_data(as_text=True).count("was not in progress") == 1
    finally:
        app.extensions["omf_der"].jobs.shutdown()


def test_failed_run_shows_the_error_and_keeps_the_inputs(app):
    client = app.test_client()
    res = submit_new(client, run_name="no rate", use_urdb_label="yes", urdb_label="0123456789abcdef01234567",
                     bess_kw="7.25")
    assert res.status_code == 303
    status = wait_done(client, "no rate")
    assert status["status"] == "failed" and "urdb_label" in status["error"]
    html = client.get("/run/no rate").get_data(as_text=True)
    assert 'id="run-error"' in html and "0123456789abcdef01234567" in html
    assert input_value(html, "bess_kw") == "7.25" and input_value(html, "urdb_label") == "0123456789abcdef01234567"
    assert client.get("/run/no rate/files/stderr.txt").status_code == 200
    assert "status-failed" in client.get("/").get_data(as_text=True)


def test_delete_removes_the_run(app):
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    store = app.extensions["omf_der"].store
    store.create("to delete", "derConsumer", {})
    res = client.post("/run/to delete/delete", data={"csrf_token": csrf(page)})
    assert res.status_code == 303 and res.headers["Location"] == "/"
    assert not store.folder("to delete").exists()
    assert 'data-run="to delete"' not in client.get("/").get_data(as_text=True)


def test_runs_left_running_by_a_stopped_server_are_marked_failed(tmp_path):
    store = RunStore(tmp_path)
    store.create("orphan", "derConsumer", {})
    store.update_meta("orphan", status="running", started=time.time())
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path)})
    status = app.test_client().get("/run/orphan/status.json").get_json()
    assert status["status"] == "failed" and "interrupted" in status["error"]


def test_cli_run_folders_in_the_data_folder_are_listed(tmp_path):
    subprocess.run([sys.executable, "-m", "omf_der", "run", "--out", str(tmp_path / "from cli"), "--quiet",
                    "--model", "vbatDispatch"], check=True, capture_output=True)
    client = create_app({"TESTING": True, "DATA_DIR": str(tmp_path)}).test_client()
    row = re.search(r'<tr data-run="from cli">(.*?)</tr>', client.get("/").get_data(as_text=True), re.S).group(1)
    assert "vbatDispatch" in row and "status-finished" in row
    html = client.get("/run/from cli").get_data(as_text=True)
    assert 'id="in-n_devices"' in html
    # run again from the page: still a vbatDispatch run
    res = client.post("/run/from cli", data=form_data(html, n_devices="3"), content_type="multipart/form-data")
    assert res.status_code == 303
    assert wait_done(client, "from cli")["status"] == "finished"
    assert json.loads((tmp_path / "from cli" / "allOutputData.json").read_text())["model"] == "vbatDispatch"
    app = client.application
    assert app.extensions["omf_der"].store.info("from cli").model == "vbatDispatch"
    app.extensions["omf_der"].jobs.shutdown()


# =========================================================================== pure helpers
@pytest.mark.parametrize("name,ok", [("run 1", True), ("Run_2.b-c", True), ("", False), (" ", False), ("../a", False),
                                     (".a", False), ("a/b", False), ("a\\b", False), ("a" * 64, True),
                                     ("a" * 65, False), ("é", False), ("a.", False), (None, False)])
def test_check_name(name, ok):
    if ok:
        assert check_name(name) == name
    else:
        with pytest.raises(Exception, match="letters, digits"):
            check_name(name)


@pytest.mark.parametrize("name", [n for n, f in FIELDS.items() if not f.is_file and f.kind in ("number", "integer")])
def test_display_value_reads_back_exactly(name):
    f = DER_CONSUMER.fields[name]
    for value in (f.default, 0.1 + 0.2, 1e-7, 123456789.125, -3.0):
        if f.kind == "integer":
            value = int(value)
        text = forms.display_value(f, value)
        assert (float(text) if f.kind == "number" else int(text)) == value


def test_money_and_payback_formats():
    assert usd(-1234.4) == "-$1,234" and usd(0.4) == "$0" and usd(-0.4) == "$0" and usd(None) == "–"
    assert years(None) == "never" and years(3.14159) == "3.1 years"


def test_download_name():
    assert forms.download_name("weather.epw", ".csv") == "weather.csv"
    assert forms.download_name("load.csv", ".csv") == "load.csv"
    assert forms.download_name("rate", ".json") == "rate.json"


def test_serve_refuses_an_exposed_address_without_a_password(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "OMF_DER_PASSWORD"}
    res = subprocess.run([sys.executable, str(ROOT / "run.py"), "--host", "0.0.0.0", "--port", "0",
                          "--data-dir", str(tmp_path)], capture_output=True, text=True, timeout=60, env=env)
    assert res.returncode == 2 and "OMF_DER_PASSWORD" in res.stderr


@pytest.mark.parametrize("args,env,message", [
    (["--workers", "0"], {}, "'0' is not a whole number of at least 1"),
    ([], {"OMF_DER_PORT": "abc"}, "'abc' is not a port number"),
    ([], {"OMF_DER_MAX_CONTENT_LENGTH": "big"}, "OMF_DER_MAX_CONTENT_LENGTH"),
])
def test_serve_settings_errors_are_one_line(tmp_path, args, env, message):
    res = subprocess.run([sys.executable, str(ROOT / "run.py"), "--data-dir", str(tmp_path), *args],
                         capture_output=True, text=True, timeout=60, env={**os.environ, **env})
    assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr


def test_run_py_serves_the_home_page(tmp_path):
    """`python run.py --port N` starts a real server on localhost that answers the home page."""
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "--port", str(port), "--data-dir", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as res:
                    assert res.status == 200 and b"omf-der" in res.read()
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
