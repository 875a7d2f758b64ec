"""Files to upload in tests: a real image, a real one-page PDF, and an HTML page dressed as a PDF."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def png_bytes(size=(8, 8), colour=(0, 128, 255)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="PNG")
    return buf.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    """A small, real PDF (blank A4 pages) written by pypdf."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


# Starts like a PDF, is an HTML page: browsers would run its script if it were served inline.
FAKE_PDF = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n"


def pdf(name="plan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def fake_pdf(name="plan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, FAKE_PDF, content_type="application/pdf")
