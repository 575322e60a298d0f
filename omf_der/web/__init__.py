"""The web app (Flask application factory). Only this package knows Flask.

Settings (``create_app(config)`` or environment variables ``OMF_DER_<NAME>``):

``DATA_DIR``            folder of the runs (default ``runs`` in the working directory)
``MAX_WORKERS``         runs computed at the same time (default 2); more wait in a queue
``PASSWORD``            when set, every page asks for it (set it whenever the app is reachable
                        from other machines)
``MAX_CONTENT_LENGTH``  largest request in bytes, uploads included (default 20 MB)
``SECRET_KEY``          signs the session cookie; default: a random key kept in the data folder

Environment values are taken as text (``DATA_DIR``, ``PASSWORD``, ``SECRET_KEY``) or whole numbers.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, abort, flash, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .. import __version__
from ..errors import InputError
from ..resources import shipped_dir
from .format import FILTERS
from .jobs import JobRunner
from .store import RunStore

DEFAULT_MAX_CONTENT_MB = 20
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_OPEN_ENDPOINTS = {"auth.login", "static", "vendor.plotlyjs"}


class Services:
    """What the views share: the run store and the job runner."""

    def __init__(self, store: RunStore, jobs: JobRunner) -> None:
        self.store, self.jobs = store, jobs


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. Settings come from ``config``, else from ``OMF_DER_*`` environment variables."""
    app = Flask(__name__, template_folder=str(shipped_dir("templates")),
                static_folder=str(shipped_dir("static")), static_url_path="/static")
    app.config.from_mapping(DATA_DIR="runs", MAX_WORKERS=2, PASSWORD=None,
                            MAX_CONTENT_LENGTH=DEFAULT_MAX_CONTENT_MB * 1024 * 1024,
                            SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True,
                            TEMPLATES_AUTO_RELOAD=False)
    _from_environment(app)
    if config:
        app.config.update(config)
    store = RunStore(app.config["DATA_DIR"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _persistent_secret(store.root)
    store.interrupted()
    services = Services(store, JobRunner(store, int(app.config["MAX_WORKERS"])))
    app.extensions["omf_der"] = services

    from . import auth, home, pages, vendor

    for module in (auth, home, pages, vendor):
        app.register_blueprint(module.bp)
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(csrf_token=csrf_token, version=__version__,
                                 password_required=lambda: bool(app.config.get("PASSWORD")))
    app.before_request(_require_login)
    app.before_request(_check_csrf)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    return app


#: settings read from OMF_DER_<NAME>, as text (a password "0" or "null" is a password) or whole numbers
_ENV_SETTINGS = {"DATA_DIR": str, "PASSWORD": str, "SECRET_KEY": str, "MAX_WORKERS": int, "MAX_CONTENT_LENGTH": int}


def _from_environment(app: Flask) -> None:
    for key, kind in _ENV_SETTINGS.items():
        raw = os.environ.get(f"OMF_DER_{key}", "")
        if raw == "":
            continue
        if kind is int:
            try:
                value = int(raw)
            except ValueError:
                value = 0
            if value < 1:
                raise InputError(f"OMF_DER_{key}", raw, "a whole number of at least 1")
            app.config[key] = value
        else:
            app.config[key] = raw


def services() -> Services:
    from flask import current_app

    return current_app.extensions["omf_der"]


# =========================================================================== security
def _persistent_secret(root: Path) -> str:
    """A random key kept in the data folder (readable by its owner only), so that restarting the
    server keeps users' sessions and the forms they have open valid."""
    path = root / ".secret_key"
    try:
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key)
    return key


def csrf_token() -> str:
    """This session's token; every form posts it back."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


#: posts of a model's input form: with a bad token the form comes back with what was typed, nothing run
FORM_ENDPOINTS = {"runs.create", "runs.rerun"}


def _check_csrf():
    if request.method != "POST":
        return None
    expected = session.get("csrf")
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    if not expected or not hmac.compare_digest(str(sent), str(expected)):
        if request.endpoint in FORM_ENDPOINTS:
            g.csrf_failed = True     # the view shows the form again and does nothing else
            return None
        abort(400, description="The form's security token is missing or out of date (the page was opened before "
                               "the server restarted, or in another browser). Go back, reload the page and submit "
                               "again.")
    return None


def _require_login():
    from flask import current_app

    if not current_app.config.get("PASSWORD") or session.get("signed_in"):
        return None
    if request.endpoint in _OPEN_ENDPOINTS:
        return None
    if request.method == "GET":
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    abort(401, description="Sign in first.")


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _http_error(exc: HTTPException):
    from flask import current_app

    if isinstance(exc, RequestEntityTooLarge):
        limit = f"{current_app.config['MAX_CONTENT_LENGTH'] / (1024 * 1024):.1f}".removesuffix(".0")
        if (request.content_length or 0) > current_app.config["MAX_CONTENT_LENGTH"]:
            message = (f"The upload is too large: at most {limit} MB in all is allowed. Go back: the form still "
                       f"holds what you entered; choose a smaller file.")
        else:   # Flask's limits on the form's parts: a text field over 500 KB, or over 1000 fields
            message = ("The form has a text field that is too long or too many fields for this app (files go in "
                       "the file inputs). Go back: the form still holds what you entered.")
    else:
        message = exc.description or exc.name
    if request.accept_mimetypes.best == "application/json" or request.path.endswith(".json"):
        return {"error": message, "status": exc.code}, exc.code
    return render_template("error.html", code=exc.code, title=exc.name, message=message), exc.code


def flash_and_redirect(message: str, endpoint: str, category: str = "info", **values):
    flash(message, category)
    return redirect(url_for(endpoint, **values), code=303)
