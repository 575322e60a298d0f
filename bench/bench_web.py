"""The web app as a user meets it: ``run.py`` serving on a free port with a temporary data folder,
timed over HTTP (stdlib only) and, when Playwright and chromium are there, in the browser.

    python bench/bench_web.py [repeats]

(a) GET times of the pages (home listing ~20 runs, the new-run form, a finished derConsumer run
    page, its status.json), median of ``repeats``, with the response size;
(b) a run via HTTP as the form posts it (multipart, csrf token, session cookie): POST to finished,
    the first run after the server started (cold: the run processes' forkserver starts) apart;
(c) the finished run page in chromium until every figure is drawn: in a fresh context (nothing
    cached) and reloaded (plotly.js cached);
(d) a derConsumer and a vbatDispatch run submitted together: until both finished.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import queue
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("OMF_DER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
HOME_RUNS = 20
RUN_TIMEOUT_S = 120
ALL_PLOTS_DRAWN = """() => {
  const divs = [...document.querySelectorAll('[data-plot]')];
  return divs.length > 0 && divs.every(d => d.dataset.rendered === 'true' || d.dataset.rendered === 'error');
}"""


# =========================================================================== server
class Server:
    """``run.py --port <free> --data-dir <data_dir>`` until :meth:`stop`."""

    def __init__(self, data_dir: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.data_dir = data_dir
        self.output: list[str] = []
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "--port", str(port), "--data-dir",
                                      str(data_dir)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        lines: queue.Queue[str] = queue.Queue()

        def drain() -> None:
            for line in self.proc.stdout:
                self.output.append(line)
                lines.put(line)

        threading.Thread(target=drain, daemon=True).start()
        t0 = time.perf_counter()
        serving = False
        while True:
            try:
                serving = serving or "serving http://127.0.0.1:" in lines.get(timeout=0.05)
            except queue.Empty:
                pass
            if serving and _answers(self.url):   # the line comes just before waitress listens
                break
            if self.proc.poll() is not None or time.perf_counter() - t0 > 30:
                self.stop()
                raise SystemExit("the server did not start:\n" + "".join(self.output))
        self.start_s = time.perf_counter() - t0

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/", timeout=2) as res:
            return res.status == 200
    except OSError:
        return False


# =========================================================================== HTTP client (stdlib)
class FormFields(HTMLParser):
    """The name/value pairs a browser posts for ``<form id="inputs-form">`` (file inputs left
    empty: the server then keeps the example files)."""

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[tuple[str, str]] = []
        self._in_form = False
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_form = a.get("id") == "inputs-form"
        if not self._in_form or "name" not in a and tag != "option":
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("hidden", "text") or kind == "checkbox" and "checked" in a:
                self.pairs.append((a["name"], a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            chosen = next((v for v, sel in self._options if sel), self._options[0][0] if self._options else "")
            self.pairs.append((self._select, chosen))
            self._select = None
        elif tag == "form":
            self._in_form = False


class Client:
    """One browser-like session: cookies kept, redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[bytes, str]:
        with self.opener.open(self.base + path, timeout=60) as res:
            return res.read(), res.url

    def status(self, name: str) -> dict:
        return json.loads(self.get(f"/run/{quote(name)}/status.json")[0])

    def submit(self, model: str, changes: dict[str, str] | None = None) -> str:
        """Fetch the new-run form, post it (as multipart, like the page) and return the run name."""
        html, _ = self.get(f"/new/{model}")
        return self.post_form(f"/new/{model}", html, changes)

    def post_form(self, path: str, html: bytes, changes: dict[str, str] | None = None) -> str:
        parser = FormFields()
        parser.feed(html.decode("utf-8"))
        pairs = [(k, (changes or {}).get(k, v)) for k, v in parser.pairs]
        boundary = uuid.uuid4().hex
        body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                        for k, v in pairs) + f"--{boundary}--\r\n".encode()
        req = urllib.request.Request(self.base + path, data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        with self.opener.open(req, timeout=60) as res:    # 303 to the run's page
            url = res.url
            res.read()
        parts = urlsplit(url).path.split("/")
        if len(parts) != 3 or parts[1] != "run":
            raise SystemExit(f"posting {path} did not start a run (landed on {url})")
        return unquote(parts[2])

    def wait(self, name: str) -> dict:
        deadline = time.perf_counter() + RUN_TIMEOUT_S
        while True:
            s = self.status(name)
            if s["status"] not in ("queued", "running"):
                if s["status"] != "finished":
                    raise SystemExit(f"run {name!r} ended {s['status']}: {s.get('error')}")
                return s
            if time.perf_counter() > deadline:
                raise SystemExit(f"run {name!r} still {s['status']} after {RUN_TIMEOUT_S} s")
            time.sleep(0.05)


def timed_runs(client: Client, models: list[str]) -> float:
    """Submit ``models`` one right after the other; seconds until all of them finished."""
    t0 = time.perf_counter()
    names = [client.submit(m) for m in models]
    for name in names:
        client.wait(name)
    return time.perf_counter() - t0


# =========================================================================== browser
def browser_missing() -> str | None:
    import importlib.util

    if importlib.util.find_spec("playwright") is None:
        return "playwright not installed"
    if not CHROMIUM.is_file():
        return f"no chromium at {CHROMIUM}"
    return None


def browser_loads(base: str, path: str, repeats: int) -> tuple[list[float], list[float]]:
    """(fresh context: navigation to every figure drawn, same page reloaded: the same), seconds."""
    from playwright.sync_api import sync_playwright

    cold, warm = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            for _ in range(repeats):
                ctx = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
                page = ctx.new_page()
                for out in (cold, warm):
                    t0 = time.perf_counter()
                    page.goto(path, wait_until="commit")
                    page.wait_for_function(ALL_PLOTS_DRAWN, timeout=60_000)
                    out.append(time.perf_counter() - t0)
                ctx.close()
        finally:
            browser.close()
    return cold, warm


# =========================================================================== report
def row(what: str, values: list[float], note: str = "") -> None:
    med = statistics.median(values)
    print(f"{what:52s} {med * 1000:9.1f} {min(values) * 1000:9.1f} {max(values) * 1000:9.1f}  {note}")


def get_times(client: Client, path: str, repeats: int) -> tuple[list[float], int]:
    client.get(path)     # warm-up (templates compiled, files in the OS cache)
    times, size = [], 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        body, _ = client.get(path)
        times.append(time.perf_counter() - t0)
        size = len(body)
    return times, size


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory(prefix="omf-der-bench-web-") as tmp:
        data_dir = Path(tmp)
        server = Server(data_dir)
        try:
            client = Client(server.url)
            print(f"omf-der web app at {server.url} (started in {server.start_s:.2f} s); median of {repeats}, "
                  f"times in ms")
            print(f"{'what':52s} {'median':>9s} {'min':>9s} {'max':>9s}  note")

            # (b) first: its first run also gives the finished run for the pages
            cold = timed_runs(client, ["derConsumer"])
            name = _runs(data_dir)[0].name
            npv = client.status(name)["npv_usd"]
            print("-- (b) a run via HTTP: POST of the form to status finished")
            row("derConsumer defaults, first run (cold)", [cold], f"NPV {npv:,.2f} $")
            row("derConsumer defaults", [timed_runs(client, ["derConsumer"]) for _ in range(repeats)])
            row("vbatDispatch defaults", [timed_runs(client, ["vbatDispatch"]) for _ in range(repeats)])

            # (d)
            print("-- (d) derConsumer + vbatDispatch submitted together: until both finished")
            row("both runs", [timed_runs(client, ["derConsumer", "vbatDispatch"]) for _ in range(repeats)])

            # (a) home with ~HOME_RUNS runs: copies of the finished run's folder
            existing = len(_runs(data_dir))
            for i in range(max(0, HOME_RUNS - existing)):
                shutil.copytree(data_dir / name, data_dir / f"bench copy {i + 1:02d}")
            listed = len(_runs(data_dir))
            print("-- (a) GET, one connection each")
            for what, path in ((f"home, {listed} runs listed", "/"), ("new-run form (derConsumer)", "/new/derConsumer"),
                               ("finished derConsumer run page", f"/run/{quote(name)}"),
                               ("its status.json", f"/run/{quote(name)}/status.json")):
                times, size = get_times(client, path, repeats)
                row(what, times, f"{size:,} bytes")

            # (c)
            print("-- (c) browser: finished run page until its figures are drawn")
            missing = browser_missing()
            if missing:
                print(f"   skipped: {missing}")
            else:
                cold_loads, warm_loads = browser_loads(server.url, f"/run/{quote(name)}", repeats)
                row("fresh context (nothing cached)", cold_loads)
                row("reload (plotly.js cached)", warm_loads)
        finally:
            server.stop()


def _runs(data_dir: Path) -> list[Path]:
    """The run folders (what the app lists), oldest first."""
    return sorted((p for p in data_dir.iterdir() if p.is_dir() and (p / "allInputData.json").is_file()
                   and (p / "run.json").is_file()), key=lambda p: json.loads((p / "run.json").read_text())["created"])


if __name__ == "__main__":
    main()
