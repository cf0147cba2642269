"""Filters and globals every template can use."""
from __future__ import annotations

from flask import Flask, current_app
from flask_babel import get_locale

from meetings.core import formatting
from meetings.core.markdown import render_markdown
from meetings.site.i18n import LANGUAGE_NAMES


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["date_long"] = formatting.date_long
    app.jinja_env.filters["date_medium"] = formatting.date_medium
    app.jinja_env.filters["datetime_short"] = formatting.datetime_short
    app.jinja_env.filters["time_short"] = formatting.time_short
    app.jinja_env.globals["when"] = formatting.when
    app.jinja_env.globals["zone_label"] = formatting.zone_label
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def inject_language() -> dict:
        return {
            "current_language": str(get_locale() or "en"),
            "language_names": LANGUAGE_NAMES,
            "languages": current_app.config["LANGUAGES"],
        }
