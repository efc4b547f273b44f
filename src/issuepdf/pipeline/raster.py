"""PDF pages as PNG images: through poppler's pdftoppm for previews and the archive's cover thumbnails
(files on disk), through PDFium in-process for `issuepdf serve` (pages of a layout, in memory)."""

from __future__ import annotations

import copy
import shutil
import struct
import subprocess
import threading
import weakref
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..content.errors import IssuepdfError

if TYPE_CHECKING:
    import weasyprint
    from weasyprint.document import Page


def _pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if not found:
        raise IssuepdfError("pdftoppm not found: install it with `sudo apt-get install poppler-utils`")
    return found


def render_pages(pdf: Path, pages: list[int], out: Path, dpi: int, prefix: str = "page") -> list[Path]:
    """One PNG per page, named `<prefix>-NN.png`."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for page in pages:
        stem = out / f"{prefix}-{page:02d}"
        command = [_pdftoppm(), "-r", str(dpi), "-png", "-singlefile", "-f", str(page), "-l", str(page)]
        done = subprocess.run([*command, str(pdf), str(stem)], capture_output=True, text=True)
        if done.returncode:
            raise IssuepdfError(f"pdftoppm could not render page {page} of {pdf}: {done.stderr.strip()}")
        written.append(stem.with_suffix(".png"))
    return written


SCREEN_DPI = 96
"""One image pixel per CSS pixel: a page as a browser would show it at 100%."""
PREVIEW_PDF_OPTIONS = {"uncompressed_pdf": True, "hinting": False}
"""The quickest PDF of a few pages for rasterising (measured: 0.05-0.09 s a page against 0.09-0.12 s
compressed); fonts are still subset, so the images show the glyphs the PDF will."""
_PDFIUM = threading.Lock()
"""PDFium is not thread-safe: one rendering at a time in the process."""


class PdfPages:
    """A PDF in memory whose pages become PNG images on demand, through PDFium (in-process, ~10 ms a page
    at screen resolution, against ~0.15 s for a pdftoppm process)."""

    def __init__(self, pdf: bytes) -> None:
        self.pdf = pdf
        self._document: Any = None

    def png(self, index: int, dpi: int = SCREEN_DPI) -> bytes:
        """Page `index` (from 0) as PNG."""
        import pypdfium2

        with _PDFIUM:
            if self._document is None:
                self._document = pypdfium2.PdfDocument(self.pdf)
            bitmap = self._document[index].render(scale=dpi / 72, rev_byteorder=True)
            pixels = bytes(bitmap.buffer)
        return _png(pixels, bitmap.width, bitmap.height, bitmap.stride, bitmap.n_channels)


def _png(pixels: bytes, width: int, height: int, stride: int, channels: int) -> bytes:
    """An RGB(A) bitmap as PNG, rows unfiltered, deflated by ISA-L at level 1: a page at 96 dpi in 1.7 ms
    (zlib at level 1: 9.6 ms; Pillow with its adaptive filters: 30-45 ms), 300 KB against zlib's 230 KB,
    which a browser on the same machine reads at once."""
    from isal import isal_zlib

    row = width * channels
    raw = b"".join(b"\0" + pixels[y * stride : y * stride + row] for y in range(height))
    colour = {1: 0, 3: 2, 4: 6}[channels]

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    image = chunk(b"IDAT", isal_zlib.compress(raw, 1))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + image + chunk(b"IEND", b"")


def pages_pdf(document: weasyprint.Document, pages: list[Page]) -> PdfPages:
    """Some laid-out pages (of `document`, or of parts laid out alone) as a PDF of their own, to rasterise.

    The pages are drawn without their links and bookmarks: an image has no use for them, and a link to a
    page not among these would be an error of WeasyPrint's ("No anchor #s1").
    """
    from .typeset import pdf_bytes

    drawn = []
    for page in pages:
        alone = copy.copy(page)
        alone.links, alone.bookmarks = [], []
        drawn.append(alone)
    undrawn(pages)
    try:
        with _reused_subsets():
            return PdfPages(pdf_bytes(document.copy(drawn), dict(PREVIEW_PDF_OPTIONS)))
    finally:
        undrawn(pages)


_LAID_OUT: weakref.WeakKeyDictionary[Any, list[Any]] = weakref.WeakKeyDictionary()
"""Each page box seen by `undrawn` → its background's layers as laid out."""


def undrawn(pages: list[Page]) -> None:
    """Take off the pages what drawing them added: WeasyPrint 70 inserts the crop marks and crosses into a
    page's background each time it draws the page (weasyprint/draw, draw_background), so a page drawn
    again (kept by a session from one build to the next, or shown as a preview and then written in the
    PDF) printed its marks once more each time. The first call for a page notes its layers: call it on
    pages just laid out, and before and after drawing them."""
    for page in pages:
        box = page._page_box
        if box.background is not None:
            box.background.layers[:] = _LAID_OUT.setdefault(box, list(box.background.layers))


_SUBSETS: dict[str, tuple[frozenset[int], bytes]] = {}
"""Font file hash → the glyphs of the last subset made for a preview, and the subset font."""


@contextmanager
def _reused_subsets() -> Iterator[None]:
    """Let preview PDFs share their font subsets: a page's PDF embeds a subset already made if it holds
    every glyph the page uses, else a new one holding those of both (kept for the next).

    Subsetting the CJK fonts is most of a one-page PDF's time (45-55 ms of 85). WeasyPrint subsets
    keeping glyph ids (weasyprint/pdf/fonts.py, RETAIN_GIDS), so a subset with more glyphs draws any
    page whose glyphs it holds. Only previews use this: a built PDF embeds exactly its own glyphs.
    """
    from weasyprint.pdf.fonts import Font

    original = Font.subset

    def subset(font: Any, to_unicode: dict[int, Any], hinting: bool) -> None:
        if not to_unicode:
            return
        kept_glyphs, kept_file = _SUBSETS.get(font.hash, (frozenset(), b""))
        wanted = frozenset(to_unicode)
        if kept_file and wanted <= kept_glyphs:
            font.file_content = kept_file
            return
        glyphs = wanted | kept_glyphs
        original(font, dict.fromkeys(glyphs, ""), hinting)
        _SUBSETS[font.hash] = (glyphs, font.file_content)

    Font.subset = subset
    try:
        yield
    finally:
        Font.subset = original
