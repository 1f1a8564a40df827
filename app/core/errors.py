"""Error pages in the app's layout; never a stack trace."""

from __future__ import annotations

from flask import Flask, current_app, make_response, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Go back, check what you entered and try again."),
    403: ("Not allowed", "Your role does not allow this page or action. Ask an administrator if you need access."),
    404: ("Not found", "There is no page at this address. It may have been moved, or the link may be wrong."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("File too large", "The upload is larger than the limit of {limit}. Nothing was saved."),
    429: ("Too many attempts", "Too many requests in a short time. Wait a minute and try again."),
    503: ("Busy", "Khusela is busy preparing another large download right now. Nothing was lost: try again in a "
          "minute."),
    500: ("Something went wrong", "An unexpected error stopped this request and nothing was saved. "
          "The error has been logged; if it happens again, tell your administrator the time it happened."),
}


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _size_text(size: int | None) -> str:
    if not size:
        return "the server"
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{round(size / factor, 1):g} {unit}"
    return f"{size} bytes"


def render_error(status: int, message: str | None = None, title: str | None = None):
    default_title, default_message = MESSAGES.get(status, (title or "Error", "The request could not be completed."))
    text = (message or default_message).format(limit=_size_text(current_app.config.get("MAX_CONTENT_LENGTH")))
    return render_template("errors/error.html", status=status, title=default_title, message=text), status


def _csrf_error(error: CSRFError):
    db.session.rollback()
    return render_error(
        400,
        "The form could not be accepted because its security token is missing or has expired "
        "(for example after a long pause or signing in elsewhere). Nothing was saved: reload the page and try again.",
    )


def _http_error(error: HTTPException):
    db.session.rollback()
    if error.code is None or error.code < 400:
        return error  # a routing redirect (a missing trailing slash), not an error
    response = make_response(render_error(error.code, title=error.name))
    # What the error says about itself stays: Allow on a 405 (which HTTP requires), Retry-After...
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _unexpected_error(error: Exception):
    db.session.rollback()
    current_app.logger.exception("Unhandled error")
    return render_error(InternalServerError.code)
