"""Checks on uploaded files: images and PDFs only, size-capped, judged by their content."""

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

IMAGE_TYPES = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
}


def check_upload(upload) -> tuple[str, str]:
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
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    try:
        data = upload.read()
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            fmt = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        fmt = None
    finally:
        upload.seek(0)
    if fmt in IMAGE_TYPES:
        return IMAGE_TYPES[fmt]
    raise ValidationError(
        _("文件“%(name)s”不是图片（JPEG/PNG/WebP/GIF）或 PDF。"), code="bad_type", params={"name": upload.name}
    )
