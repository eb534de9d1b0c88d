"""Upload bodies: who may send one, and how much of it the server reads.

A file upload is decided before its body is read (UploadMiddleware.process_view, which
runs before the CSRF check reads the form):

- a view that receives files names, with `accepts_uploads(gate)`, the access check that
  must pass first: someone not signed in is sent to the login page, others may get 404
  or 403, all without a byte of the body read;
- a body longer than UPLOAD_MAX_REQUEST_MB (by its Content-Length) is refused unread;
- otherwise the body is read through LimitedUploadHandler, which stops reading as soon
  as one file passes UPLOAD_MAX_MB or all files together pass UPLOAD_MAX_REQUEST_MB.
  Someone not signed in may send form fields (the login form) but no file at all.

A refused body gets a 413 page in Vietnamese (JSON for the upload script); a disk that
fills up while a body or a stored file is written gets a 507 page. Nothing of the
refused body stays on the disk: Django removes its temporary files.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .storage import is_storage_full

MB = 1024 * 1024
# What the form's other fields (kinds, dates, the CSRF token) and the multipart
# headers may add to the files in one body.
FORM_FIELDS_ALLOWANCE = MB


@dataclass(frozen=True)
class Limits:
    file: int  # one file, in bytes
    body: int  # all files of one body together

    @classmethod
    def for_request(cls, request) -> Limits:
        """Someone not signed in sends no file at all (no page takes one from them)."""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return cls(file=0, body=0)
        return cls(file=settings.UPLOAD_MAX_MB * MB, body=settings.UPLOAD_MAX_REQUEST_MB * MB)


@dataclass(frozen=True)
class Refusal:
    """Why a body was not read to its end."""

    message: str


def file_too_large(name: str) -> Refusal:
    return Refusal(
        _(
            "Tệp “%(name)s” quá lớn. Giới hạn là %(limit)s MB cho mỗi tệp; "
            "máy chủ đã dừng nhận và không lưu gì."
        )
        % {"name": name, "limit": settings.UPLOAD_MAX_MB}
    )


def body_too_large() -> Refusal:
    return Refusal(
        _(
            "Các tệp gửi cùng một lần quá lớn. Giới hạn là %(limit)s MB cho mỗi lần gửi; máy chủ đã dừng "
            "nhận và không lưu gì. Hãy gửi làm nhiều lần."
        )
        % {"limit": settings.UPLOAD_MAX_REQUEST_MB}
    )


class LimitedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: counts the bytes of each file as they arrive and
    stops reading the body past the limits, before Django's own handlers keep them.
    The refusal is left on the request for UploadMiddleware to answer."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.limits = Limits.for_request(self.request)
        self.body_bytes = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file_bytes = 0

    def receive_data_chunk(self, raw_data, start):
        self.file_bytes += len(raw_data)
        self.body_bytes += len(raw_data)
        if self.file_bytes > self.limits.file:
            self._stop(file_too_large(self.file_name))
        if self.body_bytes > self.limits.body:
            self._stop(body_too_large())
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) makes the file

    def _stop(self, refusal: Refusal):
        if self.request is not None:
            self.request.upload_refusal = refusal
        # connection_reset: the parser reads nothing more of the body.
        raise StopUpload(connection_reset=True)


def accepts_uploads(gate):
    """Mark a view that receives files. `gate(request, *args, **kwargs)` runs before the
    body is read and raises Http404 or PermissionDenied when this user may not send
    files there (it calls the access module, e.g. `get_item_for_user(..., need="upload")`)."""

    def decorator(view):
        view.upload_gate = gate
        return view

    return decorator


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _error_page(request, title: str, message: str, status: int):
    if _wants_json(request):
        return JsonResponse({"errors": [message]}, status=status)
    # Back to the page the form was on (the address posted to may take only POST).
    referer = request.headers.get("Referer", "")
    safe = url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure())
    context = {"title": title, "message": message, "back": referer if safe else ""}
    return render(request, "request_refused.html", context, status=status)


def too_large_response(request, refusal: Refusal):
    return _error_page(request, _("Tệp quá lớn"), refusal.message, 413)


def storage_full_response(request):
    message = _(
        "Máy chủ đã hết chỗ lưu trữ nên chưa lưu được; không có gì được lưu dở. "
        "Hãy báo quản trị hệ thống, rồi thử lại."
    )
    return _error_page(request, _("Máy chủ hết chỗ lưu trữ"), message, 507)


class UploadMiddleware:
    """Before CsrfViewMiddleware (which reads the form): decides who may send a file and
    reads an upload body within the limits. Also answers 507 when a view finds the
    disk full."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.content_type != "multipart/form-data":
            return None
        gate = getattr(view_func, "upload_gate", None)
        signed_in = request.user.is_authenticated
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        # Without files (which someone not signed in may not send), a body is at most
        # Django's limit for form fields.
        fields_only = (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) + FORM_FIELDS_ALLOWANCE
        if not signed_in and (gate is not None or declared > fields_only):
            return redirect_to_login(request.get_full_path())
        if gate is not None:
            gate(request, *view_args, **view_kwargs)
        if signed_in and declared > Limits.for_request(request).body + FORM_FIELDS_ALLOWANCE:
            return too_large_response(request, body_too_large())
        try:
            request.POST  # noqa: B018 - reads the body now, through LimitedUploadHandler
        except OSError as error:
            for handler in request.upload_handlers:
                handler.upload_interrupted()
            if is_storage_full(error):
                return storage_full_response(request)
            raise
        refusal = getattr(request, "upload_refusal", None)
        if refusal is not None:
            if not signed_in:
                return redirect_to_login(request.get_full_path())
            return too_large_response(request, refusal)
        return None

    def process_exception(self, request, exception):
        if is_storage_full(exception):
            return storage_full_response(request)
        return None
