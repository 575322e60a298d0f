"""The optional password (setting ``PASSWORD``): one shared secret for everyone who may use the app."""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never another host) to go on to after signing in."""
    if not target:
        return url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    password = current_app.config.get("PASSWORD")
    if not password:
        return redirect(url_for("home.index"))
    error = None
    if request.method == "POST":
        given = request.form.get("password", "")
        if hmac.compare_digest(given.encode(), str(password).encode()):
            session.clear()
            session["signed_in"] = True
            session.permanent = True
            return redirect(_safe_next(request.form.get("next")), code=303)
        error = "Wrong password."
    return render_template("login.html", error=error, next=request.values.get("next", "")), (401 if error else 200)


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("auth.login"), code=303)
