"""The web app in a real browser: Debian's chromium driven by Playwright against ``run.py`` serving
on a free port with a temporary data folder.

What it covers: a default derConsumer run from the home page to its results (monthly table, the 8
figures drawn by the same-origin plotly.js, NPV), duplicating it and running the copy (the same NPV,
bit for bit), the form's checks in the browser and on the server (JavaScript off), cancelling a
run; throughout, no console error, no uncaught page error and no request leaving 127.0.0.1 (every
such request is aborted and recorded).

Screenshots and ``timings.json`` go to ``$OMF_DER_ARTIFACTS`` (default ``test-artifacts/browser/``);
``pytest -s`` also prints the timings. Without chromium (``/usr/bin/chromium`` or
``$OMF_DER_CHROMIUM``) or Playwright the tests are skipped, unless ``OMF_DER_REQUIRE_BROWSER=1``
(CI), where they fail. Playwright's own browser download is never used.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("OMF_DER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("OMF_DER_ARTIFACTS") or ROOT / "test-artifacts" / "browser")
RUN_TIMEOUT_MS = 90_000
DER_PLOTS = ("impact_to_demand", "der_serving_load", "thermal_serving_load", "thermal_power_profile",
             "bess_state_of_charge", "cash_flow", "savings_per_technology", "savings_thermal")
LOCAL_HOSTS = ("127.0.0.1",)

# the page's own checks (functions, not strings to eval: the CSP forbids eval)
ALL_PLOTS_DRAWN = """() => {
  const divs = [...document.querySelectorAll('[data-plot]')];
  return divs.length > 0 && divs.every(d => d.dataset.rendered === 'true' || d.dataset.rendered === 'error');
}"""
RUN_ENDED = '#run-header[data-status="finished"], #run-header[data-status="failed"], #run-header[data-status="cancelled"]'
NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})*(\.\d+)?$")


# =========================================================================== environment
def _browser_missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "the Python package playwright is not installed"
    if not CHROMIUM.is_file():
        return f"no chromium at {CHROMIUM} (set OMF_DER_CHROMIUM to its path)"
    return None


class Monitor:
    """Everything the pages did that the tests watch: console errors, uncaught page errors,
    requests to other hosts (aborted), and the responses of this server."""

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.external: list[str] = []
        self.responses: list[tuple[str, int]] = []
        self.allowed: list[re.Pattern[str]] = []     # console errors a test expects, e.g. a 400 page

    def attach_context(self, context) -> None:
        context.route("**/*", self._route)
        context.on("page", self.attach_page)
        context.on("response", lambda res: self.responses.append((res.url, res.status)))

    def attach_page(self, page) -> None:
        page.on("console", lambda msg: self._console(page, msg))
        page.on("pageerror", lambda err: self.page_errors.append(f"{page.url}: {err}"))

    def _console(self, page, msg) -> None:
        if msg.type != "error":
            return
        text = f"{page.url}: {msg.text} ({msg.location.get('url', '')})"
        if not any(p.search(text) for p in self.allowed):
            self.console_errors.append(text)

    def _route(self, route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL_HOSTS:
            self.external.append(url)
            route.abort()
        else:
            route.continue_()

    def assert_clean(self) -> None:
        problems = ([f"console error: {e}" for e in self.console_errors] + [f"page error: {e}" for e in self.page_errors]
                    + [f"request to another host (aborted): {u}" for u in self.external])
        assert not problems, "the pages misbehaved:\n" + "\n".join(problems)


class Timings(dict):
    """Figures printed (``pytest -s``) and saved to timings.json."""

    def record(self, key: str, seconds: float, note: str) -> None:
        self[key] = {"seconds": round(seconds, 3), "what": note}
        print(f"\n[timing] {note}: {seconds:.2f} s")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "timings.json").write_text(json.dumps(self, indent=2) + "\n", encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/", timeout=2) as res:
            return res.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def playwright_browser():
    reason = _browser_missing()
    if reason:
        if os.environ.get("OMF_DER_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests required (OMF_DER_REQUIRE_BROWSER=1) but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def server(playwright_browser, tmp_path_factory):
    """``run.py`` on a free port with a fresh data folder; its base URL."""
    data_dir = tmp_path_factory.mktemp("browser-runs")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "--port", str(port), "--data-dir", str(data_dir)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []

    def drain() -> None:          # keeps the pipe from filling up; the output helps when a test fails
        for line in proc.stdout:
            output.append(line)
            lines.put(line)

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + 30
    url = f"http://127.0.0.1:{port}"
    serving = False
    try:
        while True:
            try:
                serving = serving or "serving http://127.0.0.1:" in lines.get(timeout=0.05)
            except queue.Empty:
                pass
            if serving and _answers(url):     # the line comes just before waitress listens
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                time.sleep(0.2)
                pytest.fail(f"the server did not start (exit {proc.poll()}):\n{''.join(output)}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def monitor() -> Monitor:
    return Monitor()


@pytest.fixture(scope="module")
def timings() -> Timings:
    return Timings()


@pytest.fixture(scope="module")
def context(playwright_browser, server, monitor):
    ctx = playwright_browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(15_000)
    monitor.attach_context(ctx)
    yield ctx
    ctx.close()


@pytest.fixture()
def page(context, monitor):
    p = context.new_page()
    yield p
    p.close()


def shot(page, name: str, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def run_url(name: str) -> str:
    return "/run/" + quote(name)


def wait_for_end(page, expected: str = "finished") -> None:
    """Wait until the run's page (it reloads itself) shows the run ended; assert how it ended."""
    page.wait_for_selector(RUN_ENDED, state="attached", timeout=RUN_TIMEOUT_MS)
    status = page.get_attribute("#run-header", "data-status")
    if status != expected:
        detail = page.locator("#run-error").inner_text() if page.locator("#run-error").count() else ""
        pytest.fail(f"the run ended {status!r}, expected {expected!r}: {detail}")


def wait_for_plots(page) -> None:
    page.wait_for_function(ALL_PLOTS_DRAWN, timeout=30_000)


def status_json(server: str, name: str) -> dict:
    with urllib.request.urlopen(f"{server}/run/{quote(name)}/status.json", timeout=10) as res:
        return json.load(res)


# =========================================================================== the default run
@pytest.fixture(scope="module")
def default_run(context, timings):
    """Home → New derConsumer → defaults → submit → results; the page stays open for the checks."""
    page = context.new_page()
    page.goto("/")
    assert page.locator("#no-runs").is_visible()
    shot(page, "01-home")
    page.click("#new-derConsumer")
    page.wait_for_url("**/new/derConsumer")
    name = page.input_value("#in-run_name")
    assert name, "the run name is not pre-filled"
    shot(page, "02-form")

    t0 = time.perf_counter()
    page.click("#submit-run")
    page.wait_for_url("**/run/**")
    status = page.get_attribute("#run-header", "data-status")
    if status in ("queued", "running"):
        shot(page, "03-running")
    wait_for_end(page)
    page.wait_for_selector("#results", state="visible")
    timings.record("submit_to_finished_page_s", time.perf_counter() - t0,
                   "submit click to the finished run's page shown (figures not drawn yet)")
    wait_for_plots(page)
    timings.record("submit_to_results_s", time.perf_counter() - t0,
                   "submit click to results visible with every figure drawn (default derConsumer run)")
    shot(page, "04-results", full_page=True)
    yield {"name": name, "page": page, "npv_text": page.inner_text("#npv")}
    page.close()


def test_default_run_shows_its_results(default_run, monitor):
    from omf_der.economics import TABLE_ROWS

    page = default_run["page"]
    assert page.url.endswith(run_url(default_run["name"]))
    assert page.inner_text("#run-status") == "finished"
    assert page.inner_text("#run-button") == "Run again"

    # summary
    assert re.fullmatch(r"-?\$\d{1,3}(,\d{3})*", default_run["npv_text"]), default_run["npv_text"]
    assert page.inner_text("#payback").strip()
    assert default_run["npv_text"] in page.inner_text("#cash-flow-headline")

    # monthly table: the non-optional rows of TABLE_ROWS in order (optional ones only when shown),
    # each with 12 months and the year, all numbers
    labels = {key: label for key, label, _ in TABLE_ROWS}
    rows = page.eval_on_selector_all("#monthly-table tr[data-row]", """rows => rows.map(r => ({
        key: r.dataset.row, label: r.querySelector('th').textContent.trim(),
        cells: [...r.querySelectorAll('td')].map(td => td.textContent.trim())}))""")
    keys = [r["key"] for r in rows]
    assert [k for k in keys if k in {k for k, _, opt in TABLE_ROWS if not opt}] == \
        [k for k, _, opt in TABLE_ROWS if not opt]
    assert keys == [k for k, _, _ in TABLE_ROWS if k in keys], "rows out of TABLE_ROWS order"
    for row in rows:
        assert row["label"] == labels[row["key"]], row
        assert len(row["cells"]) == 13, row
        for cell in row["cells"]:
            assert NUMBER.match(cell), f"{row['key']}: {cell!r} is not a number"
            float(cell.replace(",", ""))

    # the other tables and the raw files
    assert page.locator("#technology-table tbody tr").count() >= 1
    assert page.locator("#raw-files a").count() >= 1

    # every figure drawn, by plotly.js from this server
    plots = page.locator("[data-plot]")
    assert plots.count() == len(DER_PLOTS)
    assert sorted(plots.evaluate_all("ds => ds.map(d => d.dataset.plot)")) == sorted(DER_PLOTS)
    assert plots.evaluate_all("ds => ds.map(d => d.dataset.rendered)") == ["true"] * len(DER_PLOTS)
    assert plots.evaluate_all("ds => ds.map(d => d.querySelectorAll('svg.main-svg').length > 0)") == \
        [True] * len(DER_PLOTS)
    src = page.eval_on_selector("script[src*='plotly']", "s => s.src")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/static/vendor/plotly-[\w.\-]+\.min\.js", src), src
    monitor.assert_clean()


def test_finished_page_load_time(default_run, context, monitor, timings):
    """A fresh page of the finished run, until every figure is drawn (routing is on, so the
    browser's cache is off: plotly.js is fetched again each time)."""
    page = context.new_page()
    try:
        t0 = time.perf_counter()
        page.goto(run_url(default_run["name"]), wait_until="commit")
        wait_for_plots(page)
        wall = time.perf_counter() - t0
        in_page = page.evaluate("() => performance.now()") / 1000
        timings.record("finished_page_load_s", wall, "finished run page: navigation to every figure drawn")
        timings.record("finished_page_load_in_page_s", in_page,
                       "finished run page: same, by the page's clock (performance.now())")
        assert page.locator("[data-plot][data-rendered='true']").count() == len(DER_PLOTS)
    finally:
        page.close()
    monitor.assert_clean()


def test_duplicate_reproduces_the_npv(default_run, context, server, monitor, timings):
    original = default_run["name"]
    page = context.new_page()
    try:
        page.goto(run_url(original))
        copy = f"{original} copy"
        page.fill("#new-name", copy)
        page.click("#duplicate-button")
        page.wait_for_url("**" + run_url(copy))
        assert page.get_attribute("#run-header", "data-status") == "new"
        assert page.locator("#run-new").is_visible()
        assert page.is_checked("#in-use_provided_random_numbers")
        shot(page, "05-duplicate")

        t0 = time.perf_counter()
        page.click("#run-button")
        page.wait_for_url("**" + run_url(copy))
        wait_for_end(page)
        page.wait_for_selector("#results", state="visible")
        timings.record("duplicate_run_s", time.perf_counter() - t0, "duplicate: Run click to results shown")
        assert page.inner_text("#npv") == default_run["npv_text"]
        a, b = status_json(server, original), status_json(server, copy)
        assert a["status"] == b["status"] == "finished"
        assert isinstance(a["npv_usd"], float) and a["npv_usd"] == b["npv_usd"], (a["npv_usd"], b["npv_usd"])
        wait_for_plots(page)
        shot(page, "06-duplicate-finished", full_page=True)
    finally:
        page.close()
    monitor.assert_clean()


# =========================================================================== the form's checks
def test_invalid_input_is_caught_in_the_browser(page, monitor):
    page.goto("/new/derConsumer")
    assert page.locator("#error-bess_kw").is_hidden()
    page.fill("#in-bess_kw", "abc")
    page.click("#submit-run")
    page.wait_for_selector("#error-bess_kw", state="visible")
    assert "not a number" in page.inner_text("#error-bess_kw")
    assert page.url.endswith("/new/derConsumer"), "the form was sent despite the error"
    assert page.get_attribute("#in-bess_kw", "aria-invalid") == "true"
    shot(page, "07-error-browser")

    # a range error; fixing the value clears the message as you type
    page.fill("#in-bess_kw", "-5")
    page.click("#submit-run")
    page.wait_for_function("() => document.getElementById('error-bess_kw').textContent.includes('too small')")
    page.fill("#in-bess_kw", "5")
    page.locator("#in-bess_kw").dispatch_event("input")
    page.wait_for_selector("#error-bess_kw", state="hidden")
    assert page.url.endswith("/new/derConsumer")
    monitor.assert_clean()


def test_form_follows_its_toggles_and_the_fuel_type(page, monitor):
    """Enable boxes fold their device's fields away; the URDB box swaps the rate file for the label;
    a fuel type fills in that fuel's defaults (from omf_der.fuels) and switches the units."""
    from omf_der.fuels import FUELS

    page.goto("/new/derConsumer")
    # the generator starts disabled: its fields are folded away, and come back when enabled
    assert page.locator("#field-generator_kw").is_hidden()
    page.check("#in-enable_generator")
    assert page.locator("#field-generator_kw").is_visible()
    page.uncheck("#in-enable_ac")
    assert page.locator("#field-ac_power_kw").is_hidden() and page.locator("#field-hp_power_kw").is_visible()
    # URDB label or rate file, never both
    assert page.locator("#field-urdb_label").is_hidden() and page.locator("#field-tariff").is_visible()
    page.check("#in-use_urdb_label")
    assert page.locator("#field-urdb_label").is_visible() and page.locator("#field-tariff").is_hidden()
    for key, fuel in FUELS.items():
        page.select_option("#in-fuel_type", key)
        assert float(page.input_value("#in-fuel_cost_usd_per_unit")) == fuel.default_cost_usd_per_unit
        assert float(page.input_value("#in-generator_efficiency_pct")) == fuel.default_efficiency_pct
        assert float(page.input_value("#in-fuel_available")) == fuel.default_available_units
        unit = page.inner_text('label[for="in-fuel_available"] .unit')
        assert unit == f"({fuel.unit_label})"
    # a value the user typed is theirs: a new fuel replaces only the fields still at a fuel's default
    page.fill("#in-fuel_cost_usd_per_unit", "4.25")
    page.select_option("#in-fuel_type", "diesel")
    assert page.input_value("#in-fuel_cost_usd_per_unit") == "4.25"
    assert float(page.input_value("#in-generator_efficiency_pct")) == FUELS["diesel"].default_efficiency_pct
    shot(page, "11-form-toggles")
    monitor.assert_clean()


def test_invalid_input_is_caught_by_the_server(playwright_browser, server, monitor):
    """JavaScript off: the form goes to the server, which shows it again with the error beside the
    field and every value as typed."""
    ctx = playwright_browser.new_context(base_url=server, java_script_enabled=False,
                                         viewport={"width": 1280, "height": 900})
    monitor.attach_context(ctx)
    # the page answering the invalid form is a 400 by design; Chromium reports it in the console
    expected_400 = re.compile(r"/new/derConsumer: Failed to load resource: .*status of 400")
    monitor.allowed.append(expected_400)
    try:
        page = ctx.new_page()
        page.goto("/new/derConsumer")
        name = page.input_value("#in-run_name")
        page.fill("#in-bess_kw", "abc")
        page.fill("#in-latitude", "41.5")
        page.fill("#in-discount_rate_pct", "2.5")
        page.uncheck("#in-enable_hp")
        with page.expect_navigation() as nav:
            page.click("#submit-run")
        assert nav.value.status == 400
        assert page.url.endswith("/new/derConsumer")
        error = page.locator("#error-bess_kw")
        assert error.is_visible() and "abc" in error.inner_text(), error.inner_text()
        assert page.locator("#field-bess_kw.has-error").count() == 1
        assert page.locator("#error-summary").is_visible()
        assert page.input_value("#in-bess_kw") == "abc"
        assert page.input_value("#in-latitude") == "41.5"
        assert page.input_value("#in-discount_rate_pct") == "2.5"
        assert page.input_value("#in-run_name") == name
        assert not page.is_checked("#in-enable_hp")
        assert page.is_checked("#in-enable_bess")
        shown = page.locator(".field-error:not([hidden])")
        assert shown.count() == 1, shown.all_inner_texts()
        shot(page, "08-error-server", full_page=True)
    finally:
        ctx.close()
        monitor.allowed.remove(expected_400)
    monitor.assert_clean()
    with pytest.raises(urllib.error.HTTPError) as not_found:     # no run was created
        status_json(server, name)
    assert not_found.value.code == 404


# =========================================================================== cancel
def test_cancel_a_run(page, server, monitor):
    page.goto("/new/derConsumer")
    name = page.input_value("#in-run_name")
    page.check("#in-enable_generator")          # the slowest kind of run: more time to cancel it
    page.fill("#in-latitude", "40.25")
    page.click("#submit-run")
    page.wait_for_url("**" + run_url(name))
    status = page.get_attribute("#run-header", "data-status")
    assert status in ("queued", "running"), f"the run was {status!r} before it could be cancelled"
    shot(page, "09-before-cancel")
    page.click("#cancel-button")
    wait_for_end(page, "cancelled")
    assert page.inner_text("#run-status") == "cancelled"
    assert page.locator("#run-cancelled").is_visible()
    assert page.locator("#cancel-button").count() == 0
    assert page.inner_text("#run-button") == "Run"
    assert page.is_checked("#in-enable_generator")
    assert page.input_value("#in-latitude") == "40.25"
    assert page.locator("#inputs-form fieldset.form-body[disabled]").count() == 0
    assert status_json(server, name)["status"] == "cancelled"
    shot(page, "10-cancelled")
    monitor.assert_clean()


# =========================================================================== the whole module
def test_nothing_left_this_computer(server, monitor):
    """Over every page above: no request to another host, and plotly.js came from this server."""
    monitor.assert_clean()
    plotly = [(u, s) for u, s in monitor.responses if "/static/vendor/plotly-" in u]
    assert plotly, "plotly.js was never loaded"
    assert all(u.startswith(server + "/static/vendor/") and s == 200 for u, s in plotly), plotly
