"""HTTP errors as classes with a status, and one handler: JSON under /api/, an HTML page elsewhere."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from assetmap.errors import AssetmapError
from assetmap.search import SearchError, SearchIndexError


class WebError(AssetmapError):
    """An HTTP error with a status and a title; the message is shown to the person."""

    status = 500
    title = "Something went wrong"


class BadRequest(WebError):
    status = 400
    title = "We could not use that search"


class NotFound(WebError):
    status = 404
    title = "Page not found"


class Unavailable(WebError):
    status = 503
    title = "Search is not ready"


def _respond(status: int, title: str, message: str):
    if request.path.startswith("/api/"):
        return jsonify({"ok": False, "error": message, "status": status}), status
    return render_template("error.html", title=title, message=message, status=status), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(WebError)
    def _web_error(error: WebError):
        return _respond(error.status, error.title, error.message)

    @app.errorhandler(SearchError)
    def _search_error(error: SearchError):
        return _respond(400, BadRequest.title, str(error))

    @app.errorhandler(SearchIndexError)
    def _index_error(error: SearchIndexError):
        return _respond(503, Unavailable.title, str(error))

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return _respond(error.code or 500, error.name, error.description or error.name)

    @app.errorhandler(Exception)
    def _unexpected_error(error: Exception):
        """The API answers JSON even for a bug, with the traceback in the log; pages keep Flask's own handling."""
        if not request.path.startswith("/api/"):
            raise error
        current_app.logger.exception("unexpected error on %s", request.path)
        return _respond(500, WebError.title, "Something went wrong on our side. Please try again later.")
