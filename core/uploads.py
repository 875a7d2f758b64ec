"""Uploaded files in and out, for every app that accepts them (desk attachments, renovation
drawings and site photos, community photos, patrol photos).

In: images and PDFs only, size-capped, judged by their content: an image must open and verify
in Pillow as one of IMAGE_TYPES; a PDF must parse in pypdf and have at least one page (a file
that merely starts with ``%PDF-``, such as an HTML page, is refused). ``check_uploads`` checks a
whole batch before anything is written and names the form field the messages belong to.

Out: ``file_response`` serves a stored file: images inline (they are shown on the pages), every
other file as a download, never rendered by the browser, with ``nosniff``."""

import io
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

IMAGE_TYPES = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
}
IMAGE_CONTENT_TYPES = frozenset(content_type for content_type, _ext in IMAGE_TYPES.values())
PDF = ("application/pdf", "pdf")


def _image_format(data: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None


def _is_pdf(data: bytes) -> bool:
    """A PDF by structure: pypdf reads its cross-reference table and finds at least one page."""
    if not data.startswith(b"%PDF-"):
        return False
    from pypdf import PdfReader  # only when a PDF is uploaded

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            reader.decrypt("")  # readable without a password, or refused below
        return len(reader.pages) > 0
    except Exception:  # noqa: BLE001 - pypdf raises many kinds (and RecursionError) for a broken file
        return False


def check_upload(upload, *, images_only: bool = False) -> tuple[str, str]:
    """Return (content type, extension) for an acceptable file, else raise ValidationError."""
    limit = settings.PROPDESK_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("文件“%(name)s”太大（%(size)s MB），上限为 %(limit)s MB。"),
            code="too_large",
            params={"name": upload.name, "size": round(upload.size / 1048576, 1), "limit": round(limit / 1048576, 1)},
        )
    if upload.size == 0:
        raise ValidationError(_("文件“%(name)s”是空的。"), code="empty", params={"name": upload.name})
    upload.seek(0)
    try:
        data = upload.read()
    finally:
        upload.seek(0)
    fmt = _image_format(data)
    if fmt in IMAGE_TYPES:
        return IMAGE_TYPES[fmt]
    if images_only:
        raise ValidationError(_("“%(name)s”不是图片。"), code="not_image", params={"name": upload.name})
    if data.startswith(b"%PDF-"):
        if _is_pdf(data):
            return PDF
        raise ValidationError(
            _("文件“%(name)s”不是有效的 PDF：无法读取，或没有页面。"), code="bad_pdf", params={"name": upload.name}
        )
    raise ValidationError(
        _("文件“%(name)s”不是图片（JPEG/PNG/WebP/GIF）或 PDF。"), code="bad_type", params={"name": upload.name}
    )


def check_uploads(files, *, field: str, images_only: bool = False) -> list[tuple[object, str, str]]:
    """Check every file before anything is written, so one bad file changes nothing. Returns
    (upload, content type, extension) for each; raises ValidationError({field: every message})."""
    checked, errors = [], []
    for upload in files or ():
        try:
            checked.append((upload, *check_upload(upload, images_only=images_only)))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({field: errors})
    return checked


def file_response(file, *, content_type: str, name: str) -> FileResponse:
    """A stored upload served back to someone already allowed to see it. Only images are shown
    inline; a PDF or anything else is a download, so a file that is not what it claims is never
    rendered as a page of this site."""
    disposition = "inline" if content_type in IMAGE_CONTENT_TYPES else "attachment"
    response = FileResponse(file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
