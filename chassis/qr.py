"""QR codes as SVG (segno): what a page shows as an <img>, made on the server from a configured address."""

from functools import lru_cache

import segno


@lru_cache(maxsize=64)
def qr_svg_data_uri(text: str, title: str = "") -> str:
    """A `data:image/svg+xml` URI of the QR code of `text`, error level M, quiet zone of 4 modules (the standard's).

    Cached: a few configured addresses are asked for on every home page."""
    code = segno.make(text, error="m")
    return code.svg_data_uri(scale=4, border=4, title=title or None, nl=False)
