"""The web app (Flask application factory). Only this package knows Flask."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask

from ..resources import shipped_dir


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. Settings come from ``config``, else from ``OMF_DER_*`` environment variables
    (e.g. ``OMF_DER_SECRET_KEY``)."""
    app = Flask(__name__, template_folder=str(shipped_dir("templates")),
                static_folder=str(shipped_dir("static")), static_url_path="/static")
    app.config.from_mapping(SECRET_KEY=secrets.token_hex(32), MAX_CONTENT_LENGTH=16 * 1024 * 1024)
    app.config.from_prefixed_env("OMF_DER")
    if config:
        app.config.update(config)

    from . import home

    app.register_blueprint(home.bp)
    return app
