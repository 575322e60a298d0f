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


def test_run_py_serves_the_home_page():
    """`python run.py --port N` starts a real server on localhost that answers the home page."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen([sys.executable, str(root / "run.py"), "--port", str(port)],
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
