"""PDF pages as PNG images: through poppler's pdftoppm for previews and the archive's cover thumbnails
(files on disk), through PDFium in-process for `issuepdf serve` (pages of a layout, in memory)."""

from __future__ import annotations

import io
import shutil
import subprocess
import threading
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
        """Page `index` (from 0) as PNG, compressed lightly: encoding time counts, a local link's bytes do not."""
        import pypdfium2

        with _PDFIUM:
            if self._document is None:
                self._document = pypdfium2.PdfDocument(self.pdf)
            image = self._document[index].render(scale=dpi / 72).to_pil()
        out = io.BytesIO()
        image.save(out, "PNG", compress_level=1)
        return out.getvalue()


def pages_pdf(document: weasyprint.Document, pages: list[Page]) -> PdfPages:
    """Some laid-out pages (of `document`, or of parts laid out alone) as a PDF of their own, to rasterise."""
    from .typeset import pdf_bytes

    return PdfPages(pdf_bytes(document.copy(pages), dict(PREVIEW_PDF_OPTIONS)))
