"""The minimal web app: home page and the schema/defaults endpoints (Flask test client)."""

from __future__ import annotations

import json

import pytest

from omf_der.inputs import FIELDS, SECTIONS
from omf_der.web import create_app


@pytest.fixture()
def client():
    return create_app({"TESTING": True}).test_client()


def test_home_lists_every_input(client):
    res = client.get("/")
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    for title in SECTIONS.values():
        assert title in html
    for name in FIELDS:
        assert f"<code>{name}</code>" in html
    assert client.get("/static/style.css").status_code == 200


def test_schema_and_defaults_endpoints(client):
    schema = client.get("/schema.json").get_json()
    assert set(schema["properties"]) == set(FIELDS)
    res = client.get("/defaults.json")
    assert res.mimetype == "application/json"
    assert len(json.loads(res.get_data())["demand_curve_kw"]) == 8760


def test_unknown_page_is_404(client):
    assert client.get("/nope").status_code == 404


def test_autoescape_is_on():
    app = create_app({"TESTING": True})
    with app.test_request_context():
        from flask import render_template_string
        assert render_template_string("{{ x }}", x="<script>") == "&lt;script&gt;"
