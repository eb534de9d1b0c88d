"""Sending a stored file (evidence, a saved report) to the browser."""

from __future__ import annotations

import logging

from django.http import FileResponse, HttpResponse
from django.shortcuts import render

from .storage import StoredFileMissing, open_stored

logger = logging.getLogger(__name__)


def stored_file_response(request, field_file, *, what: str, back: str = "", **kwargs) -> HttpResponse:
    """A FileResponse (Django's keyword arguments) of the file a row names. When the
    storage lacks it, a 404 page that says which file of what is missing, never a 500:
    `what` names the object ("tài liệu “Tờ trình” (phiên bản 2)")."""
    try:
        stored = open_stored(field_file)
    except StoredFileMissing as missing:
        logger.error("Stored file missing: %s (%s)", missing.name, what)
        context = {"what": what, "name": missing.name, "back": back}
        return render(request, "file_missing.html", context, status=404)
    response = FileResponse(stored, **kwargs)
    response["X-Content-Type-Options"] = "nosniff"
    return response
