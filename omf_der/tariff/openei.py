"""Download URDB rate records from the OpenEI API, with a local cache and an offline mode.

The API
-------
The OpenEI Utility Rate Database (URDB) publishes each utility rate as a JSON record named by
a *label*, a 24-character hexadecimal id such as ``5550d6fd5457a3187e8b4567`` (the last part
of the rate's page, ``https://apps.openei.org/USURDB/rate/view/<label>``). One record is
fetched with::

    GET https://api.openei.org/utility_rates?version=8&format=json&detail=full
        &getpage=<label>&api_key=<key>

which answers ``{"items": [rate]}``; ``items`` is empty when no rate has that label. Version 8
is used because its field names (``energyratestructure``, ``energyweekdayschedule``, ...) are
the ones :mod:`omf_der.tariff.urdb` reads. A rejected key is answered with HTTP 401/403 or with
``{"error": {"code": ..., "message": ...}}``. Only the standard library is used
(:mod:`urllib.request`).

The API key
-----------
A free key (https://openei.org/services/api/signup/) is given as ``api_key=`` or else read from
the environment variable ``OPENEI_API_KEY``. It is only ever put in the request URL: it is not
written to the cache, and error messages and log lines never show it (a URL is shown with the
key masked as ``***``).

The cache
---------
Every rate fetched is kept as one JSON file per label, ``<cache_dir>/<label>.json``, holding
the unwrapped rate record and how it was got::

    {"label": ..., "fetched_at": "2024-05-01T12:00:00+00:00", "api_version": 8,
     "source": "https://api.openei.org/utility_rates", "rate": {...}}

``cache_dir`` defaults to ``$OMF_DER_CACHE_DIR/urdb`` when that variable is set, else to the
user cache folder ``$XDG_CACHE_HOME/omf-der/urdb`` or ``~/.cache/omf-der/urdb``. A cached label
is returned without any network access (a rate's published record does not change; delete the
file to fetch it again). Files are written to a temporary file in the same folder and moved in
place with :func:`os.replace`, so a reader (another process, too) sees the old file or the new
one, never half of one. A cache file that cannot be read or is not a well-formed entry is
ignored and the rate is fetched again. Only records that pass
:func:`~omf_der.tariff.urdb.urdb_problems` are cached. :func:`save_to_cache` imports a
rate downloaded by hand, e.g. for a machine without internet access.

Offline mode
------------
With ``offline=True``, or the environment variable ``OMF_DER_OFFLINE`` set to ``1`` (or
``true``/``yes``/``on``), the network is never touched: a cached label is returned and any other
label is an :class:`~omf_der.errors.InputError`.

Errors
------
Every failure a user can cause or fix (a malformed label, no key, a rejected key, the network
down, an unknown label, a rate whose structure is not supported) is an
:class:`~omf_der.errors.InputError` on the field ``urdb_label`` saying what to do, or, for a
malformed rate, :class:`~omf_der.errors.InputErrors` listing its problems.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from ..errors import InputError, InputErrors
from ..readers import read_json
from .urdb import unwrap_urdb_response, urdb_problems

__all__ = ["API_URL", "API_VERSION", "cache_path", "default_cache_dir", "fetch_rate", "request_url",
           "save_to_cache"]

log = logging.getLogger(__name__)

API_URL = "https://api.openei.org/utility_rates"
API_VERSION = 8
FIELD = "urdb_label"
ENV_API_KEY = "OPENEI_API_KEY"
ENV_CACHE_DIR = "OMF_DER_CACHE_DIR"
ENV_OFFLINE = "OMF_DER_OFFLINE"
CACHE_FORMAT = 1
MAX_RESPONSE_BYTES = 32 * 2**20  # a URDB record is well under 1 MB; this only stops a runaway answer

Opener = Callable[[str, float], bytes]
"""A function ``(url, timeout) -> response body``; raises :mod:`urllib.error` errors on failure."""

_LABEL = re.compile(r"[0-9a-f]{24}")
_LABEL_EXPECTED = "a 24-character hexadecimal URDB label, e.g. 5cd3c5d05457a3e9497c0d8e"
_HOST = urllib.parse.urlsplit(API_URL).netloc
_MASK = "***"
_NO_KEY_HELP = ("set the environment variable OPENEI_API_KEY to an OpenEI API key (free at "
                "https://openei.org/services/api/signup/), or upload the tariff JSON instead")
_TRUE = frozenset({"1", "true", "yes", "on"})


# ---------------------------------------------------------------------------------------------
# labels, paths and settings


def _check_label(label: object) -> str:
    """The label in canonical form (lower case, no surrounding blanks); InputError if malformed."""
    if isinstance(label, str):
        text = label.strip().lower()
        if _LABEL.fullmatch(text):
            return text
    raise InputError(FIELD, label, _LABEL_EXPECTED)


def default_cache_dir() -> Path:
    """The folder of cached URDB records when no ``cache_dir`` is given.

    Returns
    -------
    pathlib.Path
        ``$OMF_DER_CACHE_DIR/urdb`` if that variable is set, else
        ``$XDG_CACHE_HOME/omf-der/urdb``, else ``~/.cache/omf-der/urdb``.
    """
    own = os.environ.get(ENV_CACHE_DIR, "").strip()
    if own:
        return Path(own).expanduser() / "urdb"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "omf-der" / "urdb"


def cache_path(label: str, cache_dir: Path | None = None) -> Path:
    """Where the cached record of ``label`` is (or would be) kept.

    Parameters
    ----------
    label : str
        A URDB label (24 hexadecimal characters; upper case is accepted).
    cache_dir : pathlib.Path, optional
        Folder of cached records; default :func:`default_cache_dir`.

    Returns
    -------
    pathlib.Path
        ``<cache_dir>/<label>.json`` (the file need not exist).

    Raises
    ------
    InputError
        If ``label`` is not a URDB label.
    """
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return folder / f"{_check_label(label)}.json"


def _offline_from_env() -> bool:
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in _TRUE


def _api_key(api_key: str | None, label: str) -> str:
    """The key from the argument, else from ``OPENEI_API_KEY``; InputError when there is none."""
    key = api_key if api_key is not None else os.environ.get(ENV_API_KEY)
    key = (key or "").strip()
    if not key:
        raise InputError(FIELD, label, _NO_KEY_HELP, detail="no OpenEI API key, and the label is not cached")
    return key


def request_url(label: str, api_key: str) -> str:
    """The API request for one rate record (contains the key: never show or log it as is).

    Parameters
    ----------
    label : str
        A URDB label.
    api_key : str
        The OpenEI API key (pass ``"***"`` for a URL fit to show).

    Returns
    -------
    str
        ``https://api.openei.org/utility_rates?version=8&format=json&detail=full&getpage=...``
    """
    query = urllib.parse.urlencode({"version": API_VERSION, "format": "json", "detail": "full",
                                    "getpage": _check_label(label), "api_key": api_key})
    return f"{API_URL}?{query}"


def _redact(text: str, key: str) -> str:
    """``text`` with every form of ``key`` (as is, URL-quoted) replaced by ``***``."""
    for form in {key, urllib.parse.quote(key, safe=""), urllib.parse.quote_plus(key)}:
        if form:
            text = text.replace(form, _MASK)
    return text


# ---------------------------------------------------------------------------------------------
# the cache


def _cache_entry(path: Path, label: str) -> dict | None:
    """The rate record cached at ``path``, or None when there is none or it is unusable."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        log.warning("ignoring unreadable URDB cache file %s (%s)", path, type(exc).__name__)
        return None
    rate = entry.get("rate") if isinstance(entry, dict) else None
    if (not isinstance(rate, dict) or entry.get("label") != label
            or urdb_problems(rate, field=FIELD)):
        log.warning("ignoring malformed URDB cache file %s", path)
        return None
    return rate


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _store(path: Path, label: str, rate: dict, source: str) -> None:
    """Write the cache entry of ``rate`` (metadata + record; never the API key)."""
    entry = {"label": label,
             "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             "api_version": API_VERSION, "source": source, "cache_format": CACHE_FORMAT,
             "rate": rate}
    _write_atomic(path, json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")


def _checked_record(label: str, record: object) -> dict:
    """``record`` if it is a well-formed URDB rate for ``label``; else InputError(s)."""
    errors = urdb_problems(record, field=FIELD)
    if errors:
        raise InputErrors(errors)
    other = record.get("label")
    if isinstance(other, str) and other.strip().lower() != label:
        raise InputError(FIELD, label, f"the label of the rate record ({other})",
                         detail="the rate record has a different label")
    return record


def save_to_cache(label: str, record: object, cache_dir: Path | None = None) -> Path:
    """Put a URDB rate record into the cache, e.g. one downloaded by hand for offline use.

    Parameters
    ----------
    label : str
        The rate's URDB label.
    record : dict
        The rate record, or a whole API response ``{"items": [rate]}``.
    cache_dir : pathlib.Path, optional
        Folder of cached records; default :func:`default_cache_dir`.

    Returns
    -------
    pathlib.Path
        The cache file written.

    Raises
    ------
    InputError
        If the label is malformed, differs from the record's own ``label``, or the cache
        folder cannot be written.
    InputErrors
        If the record's structure is not a well-formed URDB rate.
    """
    path = cache_path(label, cache_dir)
    label = path.stem
    rate = _checked_record(label, unwrap_urdb_response(record))
    try:
        _store(path, label, rate, source="saved by hand")
    except OSError as exc:
        raise InputError("urdb_cache_dir", str(path.parent), "a folder this user can write "
                         f"(set {ENV_CACHE_DIR} to choose another)", detail=exc.strerror or "") from None
    return path


# ---------------------------------------------------------------------------------------------
# the network


def _urlopen_read(url: str, timeout: float) -> bytes:
    """The default opener: GET ``url`` with :func:`urllib.request.urlopen`, return the body."""
    from .. import __version__

    request = urllib.request.Request(url, headers={"Accept": "application/json",
                                                   "User-Agent": f"omf-der/{__version__}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read(MAX_RESPONSE_BYTES + 1)


def _error_object(doc: object) -> tuple[str, str] | None:
    """``(code, message)`` of an OpenEI error answer ``{"error": {...}}``, else None."""
    error = doc.get("error") if isinstance(doc, dict) else None
    if isinstance(error, dict):
        return str(error.get("code", "")), str(error.get("message", ""))
    if isinstance(error, str):
        return "", error
    return None


def _is_key_problem(code: str, message: str) -> bool:
    return "API_KEY" in code.upper() or "api_key" in message.lower() or "api key" in message.lower()


def _error_text(code: str, message: str, key: str) -> str:
    text = ": ".join(part for part in (code, message) if part)
    return _redact(" ".join(text.split()), key)[:200]


def _key_rejected(label: str, detail: str) -> InputError:
    return InputError(FIELD, label, f"a label fetched with a valid OpenEI API key: check {ENV_API_KEY} "
                      "(free at https://openei.org/services/api/signup/), or upload the tariff JSON instead",
                      detail=f"{_HOST} rejected the API key ({detail})")


def _http_error(exc: urllib.error.HTTPError, label: str, key: str) -> InputError:
    """An InputError for an HTTP error answer (the key is never shown)."""
    try:
        body = exc.read(64 * 1024) if exc.fp is not None else b""
    except (OSError, http.client.HTTPException):
        body = b""
    finally:
        exc.close()
    try:
        error = _error_object(json.loads(body.decode("utf-8-sig")))
    except (UnicodeDecodeError, ValueError, RecursionError):
        error = None
    said = _error_text(*error, key) if error else _redact(str(exc.reason or ""), key)[:100]
    status = f"HTTP {exc.code}" + (f" {said}" if said else "")
    if exc.code in (401, 403) or (error and _is_key_problem(*error)):
        return _key_rejected(label, status)
    if exc.code == 404:
        return InputError(FIELD, label, "a label that exists in the URDB (https://apps.openei.org/USURDB/)",
                          detail=f"{_HOST} answered {status}")
    if exc.code == 429:
        return InputError(FIELD, label, "a label fetched later: the API key's request limit was reached",
                          detail=f"{_HOST} answered {status}")
    return InputError(FIELD, label, "a label fetched later (try again), or upload the tariff JSON instead",
                      detail=f"{_HOST} answered {status}")


def _download(url: str, timeout: float, opener: Opener, label: str, key: str) -> bytes:
    """The response body; network and HTTP failures become InputErrors without the key."""
    log.info("fetching URDB rate %s from %s", label, _redact(url, key))
    try:
        body = opener(url, timeout)
    except urllib.error.HTTPError as exc:
        raise _http_error(exc, label, key) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        if isinstance(reason, TimeoutError) or isinstance(exc, TimeoutError):
            reason = f"no answer within {timeout:g} s"
        reason = _redact(" ".join(str(reason).split()), key)[:120] or type(exc).__name__
        raise InputError(FIELD, label, "a label in the local URDB cache, or upload the tariff JSON instead",
                         detail=f"could not reach {_HOST} ({reason}) and the label is not cached") from None
    if len(body) > MAX_RESPONSE_BYTES:
        raise InputError(FIELD, label, "a single URDB rate record",
                         detail=f"{_HOST} answered more than {MAX_RESPONSE_BYTES // 2**20} MB")
    return bytes(body)


def _record_from_body(body: bytes, label: str, key: str) -> dict:
    """The rate record in an API answer; InputError for non-JSON, errors and empty answers."""
    unexpected = "a label the URDB API answers with a rate record"
    try:
        doc = read_json(body, FIELD)
    except InputError as exc:
        raise InputError(FIELD, label, unexpected, detail=f"{_HOST} did not answer with JSON "
                         f"({_redact(exc.detail or exc.expected, key)})") from None
    if not isinstance(doc, dict):
        raise InputError(FIELD, label, unexpected, detail=f"{_HOST} answered JSON without 'items'")
    error = _error_object(doc)
    if error:
        if _is_key_problem(*error):
            raise _key_rejected(label, _error_text(*error, key))
        raise InputError(FIELD, label, unexpected, detail=f"{_HOST} answered an error: {_error_text(*error, key)}")
    items = doc.get("items")
    if not isinstance(items, list):
        raise InputError(FIELD, label, unexpected, detail=f"{_HOST} answered JSON without 'items'")
    if not items:
        raise InputError(FIELD, label, "a label that exists in the URDB (https://apps.openei.org/USURDB/)",
                         detail="label not found in URDB (the API answered no rate)")
    matching = [r for r in items if isinstance(r, dict) and str(r.get("label", "")).lower() == label]
    return matching[0] if matching else items[0]


# ---------------------------------------------------------------------------------------------
# the entry point


def fetch_rate(label: str, *, api_key: str | None = None, cache_dir: Path | None = None,
               offline: bool = False, timeout: float = 20.0, opener: Opener | None = None) -> dict:
    """The URDB rate record of ``label``: from the cache, else from the OpenEI API (then cached).

    Parameters
    ----------
    label : str
        A URDB label, 24 hexadecimal characters (upper case and surrounding blanks are accepted).
    api_key : str, optional
        OpenEI API key; default the environment variable ``OPENEI_API_KEY``. Only needed when
        the label is not cached.
    cache_dir : pathlib.Path, optional
        Folder of cached records; default :func:`default_cache_dir`.
    offline : bool
        Never use the network (also when ``OMF_DER_OFFLINE=1``): only cached labels work.
    timeout : float
        Seconds to wait for the API.
    opener : callable, optional
        ``opener(url, timeout) -> bytes`` in place of :func:`urllib.request.urlopen` (tests).

    Returns
    -------
    dict
        The rate record (the ``items[0]`` of the API answer), checked with
        :func:`~omf_der.tariff.urdb.urdb_problems`.

    Raises
    ------
    InputError
        Malformed label; offline and not cached; no API key; key rejected; HTTP error; network
        unreachable; label not in the URDB; an answer that is not JSON or is an error.
    InputErrors
        The fetched record is not a well-formed URDB rate (it is not cached).
    """
    path = cache_path(label, cache_dir)
    label = path.stem
    cached = _cache_entry(path, label)
    if cached is not None:
        return cached
    if offline or _offline_from_env():
        raise InputError(FIELD, label, f"a label in the local URDB cache ({path.parent})",
                         detail="offline and not cached")
    key = _api_key(api_key, label)
    body = _download(request_url(label, key), timeout, opener or _urlopen_read, label, key)
    rate = _checked_record(label, _record_from_body(body, label, key))
    try:
        _store(path, label, rate, source=API_URL)
    except OSError as exc:  # the rate is good; only the cache is lost
        log.warning("could not cache URDB rate %s in %s (%s)", label, path.parent, exc.strerror or exc)
    return rate
