"""Styled error pages; never a stack trace."""
from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from meetings.extensions import db

TITLES = {
    400: _l("Bad request"),
    401: _l("Login required"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Not allowed here"),
    409: _l("Conflict"),
    413: _l("Too large"),
    422: _l("Cannot be processed"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}
MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Please log in first."),
    403: _l("You do not have access to this page."),
    404: _l("There is nothing at this address. It may have been moved or removed."),
    405: _l("This page cannot be used that way."),
    409: _l("This conflicts with something that already exists."),
    413: _l("The upload is too large."),
    422: _l("The data sent could not be processed."),
    429: _l("Too many requests in a short time. Please wait a moment and try again."),
    500: _l("An unexpected error occurred. It has been logged; please try again later."),
}


def render_error(code: int, message: str | None = None):
    return render_template("errors/error.html", code=code, title=TITLES.get(code, TITLES[500]),
                           message=message or MESSAGES.get(code, MESSAGES[500])), code


def init_errors(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(400, _l("The form expired or was sent from elsewhere. Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        response = error.get_response()
        body, code = render_error(error.code)
        response.set_data(body)
        response.mimetype = "text/html"
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        db.session.rollback()
        if app.testing and not app.config["RENDER_500_IN_TESTS"]:
            raise error
        app.logger.exception("Unhandled error", exc_info=error)
        return render_error(500)

    app.register_error_handler(InternalServerError, lambda e: render_error(500))
