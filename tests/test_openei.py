"""OpenEI URDB client: cache, offline mode, key handling and errors, never on the network.

Every test replaces the network with the ``opener`` argument, which answers recorded API bodies
from ``tests/fixtures/openei/`` (built from the shared reference URDB records), and keeps the cache
in ``tmp_path``. An autouse fixture makes :func:`urllib.request.urlopen` fail, so a test that
forgot its opener fails instead of reaching the internet.
"""

from __future__ import annotations

import datetime
import io
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message
from pathlib import Path

import pytest

from omf_der.errors import InputError, InputErrors
from omf_der.tariff import openei
from omf_der.tariff.openei import cache_path, default_cache_dir, fetch_rate, request_url, save_to_cache

DATA = Path(__file__).resolve().parent / "fixtures" / "openei"
FPL = "5550d6fd5457a3187e8b4567"
TOD = "66a13566e90ecdb7d40581d2"
UNKNOWN = "5cd3c5d05457a3e9497c0d8e"
KEY = "k3yS3cret0123456789abcdefGHIJKLmnopqrstu"
ENV_KEY = "envKey9876543210zyxwvutsrqponmlkjihgfedcb"


def recorded(name: str) -> bytes:
    return (DATA / name).read_bytes()


def tod_response() -> bytes:
    """An API answer for the reference model's TOD example rate, built from the shared copy.

    (That rate comes with the reference model, whose data we do not copy into the project.)
    """
    from conftest import SHARED

    rate = json.loads((SHARED / "reference" / "bill_cases" / f"TODrate{TOD}__tenX" / "tariff.json").read_text())
    return json.dumps({"items": [{"label": TOD, **rate}]}).encode()


FPL_BODY = recorded(f"fpl_rs1_{FPL}.json")
FPL_RATE = json.loads(FPL_BODY)["items"][0]


class Opener:
    """Stands in for the network: answers ``body`` (or raises ``error``) and records each call."""

    def __init__(self, body: bytes = FPL_BODY, error: BaseException | None = None) -> None:
        self.body = body
        self.error = error
        self.calls: list[tuple[str, float]] = []

    def __call__(self, url: str, timeout: float) -> bytes:
        self.calls.append((url, timeout))
        if self.error is not None:
            raise self.error
        return self.body


def no_network(url: str, timeout: float) -> bytes:
    raise AssertionError(f"the network was used: {url}")


def http_error(code: int, reason: str, body: bytes = b"") -> urllib.error.HTTPError:
    url = request_url(FPL, KEY)
    return urllib.error.HTTPError(url, code, reason, Message(), io.BytesIO(body))


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """No key, no offline flag, a throw-away default cache, and no real network."""
    for name in (openei.ENV_API_KEY, openei.ENV_OFFLINE, "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(openei.ENV_CACHE_DIR, str(tmp_path / "default-cache"))

    def refuse(*args, **kwargs):
        raise AssertionError("a test reached urllib.request.urlopen")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)


@pytest.fixture
def cache(tmp_path) -> Path:
    return tmp_path / "urdb"


def fails(exc_info) -> str:
    return str(exc_info.value)


# ---------------------------------------------------------------------------------------------
# fetching and the cache


def test_fetch_then_cached(cache):
    opener = Opener()
    first = fetch_rate(FPL, api_key=KEY, cache_dir=cache, opener=opener)
    again = fetch_rate(FPL, api_key=KEY, cache_dir=cache, opener=opener)
    assert first == again == FPL_RATE
    assert len(opener.calls) == 1
    entry = json.loads(cache_path(FPL, cache).read_text(encoding="utf-8"))
    assert entry["label"] == FPL
    assert entry["api_version"] == 8
    assert entry["rate"] == FPL_RATE
    fetched = datetime.datetime.fromisoformat(entry["fetched_at"])
    assert fetched.utcoffset() == datetime.timedelta(0)
    assert abs(datetime.datetime.now(datetime.timezone.utc) - fetched) < datetime.timedelta(minutes=5)


def test_cached_label_needs_no_key_and_no_network(cache):
    fetch_rate(FPL, api_key=KEY, cache_dir=cache, opener=Opener())
    assert fetch_rate(FPL, cache_dir=cache, opener=no_network) == FPL_RATE


def test_request_is_a_v8_full_detail_json_query():
    opener = Opener()
    fetch_rate(FPL, api_key=KEY, cache_dir=None, timeout=7.5, opener=opener)
    (url, timeout), = opener.calls
    parts = urllib.parse.urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "api.openei.org", "/utility_rates")
    assert dict(urllib.parse.parse_qsl(parts.query)) == {
        "version": "8", "format": "json", "detail": "full", "getpage": FPL, "api_key": KEY}
    assert timeout == 7.5


def test_default_opener_uses_urlopen_with_the_timeout(monkeypatch, cache):
    seen = {}

    class Response(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.close()

    def fake_urlopen(request, timeout):
        seen.update(url=request.full_url, timeout=timeout, agent=request.get_header("User-agent"))
        return Response(FPL_BODY)

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    assert fetch_rate(FPL, api_key=KEY, cache_dir=cache, timeout=3) == FPL_RATE
    assert seen["url"] == request_url(FPL, KEY)
    assert seen["timeout"] == 3
    assert seen["agent"].startswith("omf-der/")


def test_second_recorded_rate_and_label_case(cache):
    body = tod_response()
    rate = fetch_rate(TOD.upper(), api_key=KEY, cache_dir=cache, opener=Opener(body))
    assert rate == json.loads(body)["items"][0]
    assert [p.name for p in cache.iterdir()] == [f"{TOD}.json"]
    assert fetch_rate(f"  {TOD}\n", cache_dir=cache, offline=True) == rate


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv(openei.ENV_CACHE_DIR, str(tmp_path / "own"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "own" / "urdb"
    monkeypatch.delenv(openei.ENV_CACHE_DIR)
    assert default_cache_dir() == tmp_path / "xdg" / "omf-der" / "urdb"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "omf-der" / "urdb"


def test_default_cache_dir_is_used(tmp_path):
    fetch_rate(FPL, api_key=KEY, opener=Opener())
    assert (tmp_path / "default-cache" / "urdb" / f"{FPL}.json").is_file()
    assert cache_path(FPL) == tmp_path / "default-cache" / "urdb" / f"{FPL}.json"


# ---------------------------------------------------------------------------------------------
# offline


def test_offline_with_cache(cache):
    fetch_rate(FPL, api_key=KEY, cache_dir=cache, opener=Opener())
    assert fetch_rate(FPL, cache_dir=cache, offline=True, opener=no_network) == FPL_RATE


def test_offline_without_cache(cache):
    with pytest.raises(InputError) as exc_info:
        fetch_rate(FPL, api_key=KEY, cache_dir=cache, offline=True, opener=no_network)
    assert exc_info.value.field == "urdb_label"
    assert "offline and not cached" in fails(exc_info)
    assert str(cache) in fails(exc_info)


@pytest.mark.parametrize("flag", ["1", "true", "YES"])
def test_offline_from_environment(monkeypatch, cache, flag):
    monkeypatch.setenv(openei.ENV_OFFLINE, flag)
    with pytest.raises(InputError, match="offline and not cached"):
        fetch_rate(FPL, api_key=KEY, cache_dir=cache, opener=no_network)


def test_offline_flag_zero_means_online(monkeypatch, cache):
    monkeypatch.setenv(openei.ENV_OFFLINE, "0")
    assert fetch_rate(FPL, api_key=KEY, cache_dir=cache, opener=Opener()) == FPL_RATE


# ---------------------------------------------------------------------------------------------
# the API key


@pytest.mark.parametrize("key", [None, "", "   "])
def test_missing_key(cache, key):
    with pytest.raises(InputError) as exc_info:
        fetch_rate(FPL, api_key=key, cache_dir=cache, opener=no_network)
    message = fails(exc_info)
    assert "OPENEI_API_KEY" in message
    assert "upload the tariff JSON" in message


def test_key_taken_from_environment(monkeypatch, cache):
    monkeypatch.setenv(openei.ENV_API_KEY, ENV_KEY)
    opener = Opener()
    assert fetch_rate(FPL, cache_dir=cache, opener=opener) == FPL_RATE
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(opener.calls[0][0]).query))
    assert query["api_key"] == ENV_KEY


def test_key_argument_beats_environment(monkeypatch, cache):
    monkeypatch.setenv(openei.ENV_API_KEY, ENV_KEY)
    opener = Opener()
    fetch_rate(FPL, api_key=KEY, cache_dir=cache, opener=opener)
    assert f"api_key={KEY}" in opener.calls[0][0]


def test_key_never_in_cache_logs_or_errors(cache, caplog):
    caplog.set_level(logging.DEBUG, logger="omf_der")
    fetch_rate(FPL, api_key=KEY, cache_dir=cache, opener=Opener())
    assert KEY not in cache_path(FPL, cache).read_text(encoding="utf-8")
    failures = [
        Opener(error=http_error(403, f"Forbidden {KEY}", recorded("error_api_key_invalid.json"))),
        Opener(error=http_error(500, "Internal Server Error", f"oops {KEY}".encode())),
        Opener(error=urllib.error.URLError(f"refused for {request_url(UNKNOWN, KEY)}")),
        Opener(json.dumps({"error": {"code": "X", "message": f"bad api_key {KEY}"}}).encode()),
        Opener(f"<html>{KEY}</html>".encode()),
    ]
    for opener in failures:
        with pytest.raises(InputError) as exc_info:
            fetch_rate(UNKNOWN, api_key=KEY, cache_dir=cache, opener=opener)
        assert KEY not in fails(exc_info)
        assert KEY not in repr(exc_info.value.__reduce__())
        assert exc_info.value.__cause__ is None
    assert "fetching URDB rate" in caplog.text
    assert "api_key=***" in caplog.text
    assert KEY not in caplog.text


# ---------------------------------------------------------------------------------------------
# errors from the API and the network


def test_http_403_key_rejected(cache):
    opener = Opener(error=http_error(403, "Forbidden", recorded("error_api_key_invalid.json")))
    with pytest.raises(InputError) as exc_info:
        fetch_rate(FPL, api_key=KEY, cache_dir=cache, opener=opener)
    message = fails(exc_info)
    assert "rejected the API key" in message
    assert "HTTP 403" in message and "API_KEY_INVALID" in message
    assert "OPENEI_API_KEY" in message
    assert not cache.exists()


@pytest.mark.parametrize("code, reason, words", [
    (401, "Unauthorized", "rejected the API key"),
    (404, "Not Found", "exists in the URDB"),
    (429, "Too Many Requests", "request limit"),
    (503, "Service Unavailable", "try again"),
])
def test_other_http_errors(cache, code, reason, words):
    with pytest.raises(InputError) as exc_info:
        fetch_rate(FPL, api_key=KEY, cache_dir=cache, opener=Opener(error=http_error(code, reason)))
    assert words in fails(exc_info)
    assert f"HTTP {code}" in fails(exc_info)


@pytest.mark.parametrize("error", [
    urllib.error.URLError(OSError(-3, "Temporary failure in name resolution")),
    urllib.error.URLError(TimeoutError("timed out")),
    TimeoutError("The read operation timed out"),
    ConnectionResetError(104, "Connection reset by peer"),
])
def test_network_down(cache, error):
    with pytest.raises(InputError) as exc_info:
        fetch_rate(FPL, api_key=KEY, cache_dir=cache, opener=Opener(error=error))
    message = fails(exc_info)
    assert "could not reach api.openei.org" in message
    assert "the label is not cached" in message


def test_timeout_is_named(cache):
    with pytest.raises(InputError, match="no answer within 20 s"):
        fetch_rate(FPL, api_key=KEY, cache_dir=cache, opener=Opener(error=TimeoutError("timed out")))


def test_empty_items(cache):
    with pytest.raises(InputError) as exc_info:
        fetch_rate(UNKNOWN, api_key=KEY, cache_dir=cache, opener=Opener(recorded("empty_items.json")))
    assert "label not found in URDB" in fails(exc_info)
    assert exc_info.value.value == UNKNOWN
    assert not cache.exists()


def test_error_object_for_a_bad_key(cache):
    with pytest.raises(InputError) as exc_info:
        fetch_rate(FPL, api_key=KEY, cache_dir=cache, opener=Opener(recorded("error_api_key_invalid.json")))
    assert "rejected the API key" in fails(exc_info)
    assert "API_KEY_INVALID" in fails(exc_info)


def test_other_error_object(cache):
    body = json.dumps({"error": {"code": "SERVER_BUSY", "message": "please retry"}}).encode()
    with pytest.raises(InputError, match="answered an error: SERVER_BUSY: please retry"):
        fetch_rate(FPL, api_key=KEY, cache_dir=cache, opener=Opener(body))


@pytest.mark.parametrize("body", [b"<html><body>Bad gateway</body></html>", b"", b'{"items": [', b"[1, 2]",
                                  b'{"result": []}'])
def test_answer_not_json_or_unexpected(cache, body):
    with pytest.raises(InputError) as exc_info:
        fetch_rate(FPL, api_key=KEY, cache_dir=cache, opener=Opener(body))
    assert "api.openei.org" in fails(exc_info)
    assert not cache.exists()


def test_record_of_another_label_is_refused(cache):
    with pytest.raises(InputError, match="different label"):
        fetch_rate(UNKNOWN, api_key=KEY, cache_dir=cache, opener=Opener())


@pytest.mark.parametrize("label", ["", "xyz", FPL[:-1], FPL + "0", "g" * 24, "../../etc/passwd",
                                   f"{FPL}.json", None, 12345, b"5550d6fd5457a3187e8b4567"])
def test_invalid_label(cache, label):
    with pytest.raises(InputError) as exc_info:
        fetch_rate(label, api_key=KEY, cache_dir=cache, opener=no_network)
    assert exc_info.value.field == "urdb_label"
    assert "24-character hexadecimal URDB label" in fails(exc_info)
    assert not cache.exists()


def test_malformed_rate_is_refused_and_not_cached(cache):
    bad = {**FPL_RATE, "energyweekdayschedule": [[0] * 24] * 11,
           "energyratestructure": [[{"rate": "cheap", "unit": "kWh"}]]}
    opener = Opener(json.dumps({"items": [bad]}).encode())
    with pytest.raises(InputErrors) as exc_info:
        fetch_rate(FPL, api_key=KEY, cache_dir=cache, opener=opener)
    fields = {e.field for e in exc_info.value.errors}
    assert "urdb_label.energyweekdayschedule" in fields
    assert "urdb_label.energyratestructure[0][0].rate" in fields
    assert not cache_path(FPL, cache).exists()


# ---------------------------------------------------------------------------------------------
# cache robustness


@pytest.mark.parametrize("content", [b"{\"label\": \"555", b"\xff\xfe\x00garbage", b"[]", b"{}",
                                     json.dumps({"label": FPL, "rate": {"name": "no structure"}}).encode(),
                                     json.dumps({"label": UNKNOWN, "rate": FPL_RATE}).encode()])
def test_corrupt_cache_file_is_refetched(cache, content):
    path = cache_path(FPL, cache)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    opener = Opener()
    assert fetch_rate(FPL, api_key=KEY, cache_dir=cache, opener=opener) == FPL_RATE
    assert len(opener.calls) == 1
    assert json.loads(path.read_text(encoding="utf-8"))["rate"] == FPL_RATE


def test_corrupt_cache_file_offline_is_not_a_crash(cache):
    path = cache_path(FPL, cache)
    path.parent.mkdir(parents=True)
    path.write_text("not json")
    with pytest.raises(InputError, match="offline and not cached"):
        fetch_rate(FPL, cache_dir=cache, offline=True)


def test_atomic_write_leaves_no_temp_files(cache):
    fetch_rate(FPL, api_key=KEY, cache_dir=cache, opener=Opener())
    fetch_rate(TOD, api_key=KEY, cache_dir=cache, opener=Opener(tod_response()))
    save_to_cache(FPL, FPL_RATE, cache)  # overwrite in place
    assert sorted(p.name for p in cache.iterdir()) == [f"{FPL}.json", f"{TOD}.json"]


def test_failed_write_keeps_old_file_and_leaves_no_temp_file(monkeypatch, cache):
    path = save_to_cache(FPL, FPL_RATE, cache)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openei.os, "replace", broken_replace)
    with pytest.raises(InputError, match="No space left on device"):
        save_to_cache(FPL, FPL_RATE, cache)
    assert path.read_bytes() == before
    assert [p.name for p in cache.iterdir()] == [f"{FPL}.json"]


def test_fetch_still_answers_when_the_cache_cannot_be_written(monkeypatch, cache, caplog):
    monkeypatch.setattr(openei.os, "replace", lambda src, dst: (_ for _ in ()).throw(OSError(13, "denied")))
    assert fetch_rate(FPL, api_key=KEY, cache_dir=cache, opener=Opener()) == FPL_RATE
    assert "could not cache URDB rate" in caplog.text
    assert list(cache.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# importing a rate by hand


def test_save_to_cache_accepts_an_api_answer_and_works_offline(cache):
    path = save_to_cache(FPL.upper(), json.loads(FPL_BODY), cache)
    assert path == cache_path(FPL, cache)
    assert fetch_rate(FPL, cache_dir=cache, offline=True) == FPL_RATE


def test_save_to_cache_refuses_wrong_label_and_bad_records(cache):
    with pytest.raises(InputError, match="different label"):
        save_to_cache(UNKNOWN, FPL_RATE, cache)
    with pytest.raises(InputErrors):
        save_to_cache(FPL, {"name": "no structure"}, cache)
    with pytest.raises(InputError, match="hexadecimal"):
        save_to_cache("nope", FPL_RATE, cache)
    assert not cache.exists()


# ---------------------------------------------------------------------------------------------
# the recorded answers


def test_fixtures_match_shared_reference():
    from conftest import SHARED

    cases = SHARED / "reference" / "bill_cases"
    if not cases.is_dir():
        pytest.skip(f"shared reference data not found at {cases}")
    fpl = json.loads((cases / "fpl_rs1_residential__tenX" / "tariff.json").read_text())
    assert FPL_RATE == fpl and fpl["label"] == FPL
