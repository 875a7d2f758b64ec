"""QR images (segno: pure Python, no dependencies, maintained; the choice is in docs/decisions.md):
the one way the product draws them, for visitor invitations, goods passes and patrol point cards."""

import io

import segno


def qr_svg(text: str, *, scale: int = 8) -> bytes:
    """An SVG image of `text` (error correction M: a smudged or creased print still reads)."""
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="svg", scale=scale, border=4, xmldecl=False)
    return buf.getvalue()


def qr_data_uri(text: str, *, scale: int = 4) -> str:
    """The same as a data: URI for an <img src> in a page or a print sheet (no extra request)."""
    return segno.make(text, error="m").svg_data_uri(scale=scale, border=4)
