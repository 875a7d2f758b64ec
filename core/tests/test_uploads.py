"""core/uploads.py: images and PDFs only, judged by content, capped in size."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.uploads import check_upload, check_uploads
from tests.files import FAKE_PDF, pdf_bytes

PDF = pdf_bytes()  # a real one-page PDF


def image_bytes(fmt: str, size=(40, 30), colour="red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("PNG", ("image/png", "png")),
        ("JPEG", ("image/jpeg", "jpg")),
        ("GIF", ("image/gif", "gif")),
        ("WEBP", ("image/webp", "webp")),
    ],
)
def test_it_accepts_images_and_names_their_type(fmt, expected):
    assert check_upload(upload(f"photo.{fmt.lower()}", image_bytes(fmt))) == expected


def test_it_accepts_a_pdf():
    assert check_upload(upload("quote.pdf", PDF)) == ("application/pdf", "pdf")


def test_it_judges_by_content_not_by_name():
    assert check_upload(upload("photo.txt", image_bytes("PNG"))) == ("image/png", "png")
    assert check_upload(upload("scan.jpg", PDF)) == ("application/pdf", "pdf")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("fake.png", b"this is not an image, just some text pretending to be one"),
        ("page.pdf", b"<html><body>not a pdf</body></html>"),
        ("drawing.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("run.jpg", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"),
        ("old.bmp", image_bytes("BMP")),  # a real image, but not one of the accepted types
        ("scan.tiff", image_bytes("TIFF")),
        ("half.png", image_bytes("PNG")[:60]),  # truncated
    ],
)
def test_it_refuses_what_is_not_an_accepted_image_or_pdf(name, content):
    with pytest.raises(ValidationError) as exc:
        check_upload(upload(name, content))
    assert exc.value.code == "bad_type"
    assert name in exc.value.messages[0]


def test_it_refuses_an_empty_file():
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("empty.png", b""))
    assert exc.value.code == "empty"


def test_it_refuses_a_file_over_the_cap(settings):
    content = image_bytes("PNG", size=(200, 200))
    settings.PROPDESK_MAX_UPLOAD_BYTES = len(content) - 1
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("big.png", content))
    assert exc.value.code == "too_large"


def test_a_file_exactly_at_the_cap_is_accepted(settings):
    content = image_bytes("PNG", size=(200, 200))
    settings.PROPDESK_MAX_UPLOAD_BYTES = len(content)
    assert check_upload(upload("edge.png", content)) == ("image/png", "png")


def test_the_size_cap_applies_to_pdfs_too(settings):
    settings.PROPDESK_MAX_UPLOAD_BYTES = 10
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("quote.pdf", PDF))
    assert exc.value.code == "too_large"


def test_checking_leaves_the_file_ready_to_be_saved_whole():
    content = image_bytes("PNG")
    file = upload("photo.png", content)
    file.read(5)
    check_upload(file)
    assert file.tell() == 0
    assert file.read() == content


# ------------------------------------------------------------------ PDFs by structure (issue 10)


def test_an_html_page_that_starts_like_a_pdf_is_refused():
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("plan.pdf", FAKE_PDF))
    assert exc.value.code == "bad_pdf"
    assert "plan.pdf" in exc.value.messages[0] and "PDF" in exc.value.messages[0]


def test_a_pdf_without_a_page_is_refused():
    no_pages = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("empty.pdf", no_pages))
    assert exc.value.code == "bad_pdf"


def test_a_real_pdf_of_several_pages_is_accepted():
    assert check_upload(upload("plans.pdf", pdf_bytes(pages=3))) == ("application/pdf", "pdf")


def test_where_only_images_are_taken_a_pdf_is_refused():
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("photo.pdf", PDF), images_only=True)
    assert exc.value.code == "not_image"
    assert check_upload(upload("photo.png", image_bytes("PNG")), images_only=True) == ("image/png", "png")


def test_a_batch_is_checked_whole_and_every_bad_file_named():
    good = upload("photo.png", image_bytes("PNG"))
    with pytest.raises(ValidationError) as exc:
        check_uploads([good, upload("a.pdf", FAKE_PDF), upload("b.png", b"nope")], field="drawings")
    assert list(exc.value.message_dict) == ["drawings"]
    messages = exc.value.message_dict["drawings"]
    assert len(messages) == 2 and "a.pdf" in messages[0] and "b.png" in messages[1]
    assert check_uploads([good], field="drawings") == [(good, "image/png", "png")]
