"""`issuepdf preflight ISSUE_DIR`: what an editor reads before sending an issue to print, page by page.

It builds the issue (into a temporary folder: the PDF in `out/` is left as it is) and reports, from the
laid-out pages rather than the PDF:
- loose justified lines (word gaps over 2× the normal space), with their text and source position;
- pages inside an article filled under 75% (a hole: usually a figure or table that did not fit);
- photos printed under 250 dpi at the size they are laid out, and photos still a placeholder;
- every warning `check` and the build give (alt text, photo resolution for print, missing glyphs...);
- fonts the PDF uses without embedding them.
A build error (text not printed, a box running off its page) stops it as it stops `build`. Exit code 1
when `--strict` would refuse the issue (any warning) or a font is not embedded; the typographic findings
are advice.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..content.advice import PRINT_MIN_DPI
from ..content.problems import Position
from ..pipeline.build import build
from ..pipeline.editions import Edition
from ..pipeline.measure import FILL_TARGET, LOOSE, Measures, body_boxes, measure, source_owners

if TYPE_CHECKING:
    import weasyprint

    from ..pipeline.transform import Document


@dataclass
class Finding:
    """One thing to look at on one page (page 0: the issue as a whole)."""

    page: int
    message: str
    position: Position | None = None

    def __str__(self) -> str:
        where = f"{self.position}: " if self.position else ""
        return f"{where}{self.message}"


@dataclass
class Report:
    """Findings by page, the warnings `--strict` refuses, and the summary figures."""

    pages: int
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unembedded: list[str] = field(default_factory=list)
    measures: Measures = field(default_factory=Measures)

    @property
    def refused(self) -> bool:
        """What `--strict` would refuse, or a printer would: a warning, or a font not embedded."""
        return bool(self.warnings or self.unembedded)

    def lines(self) -> list[str]:
        """The report as printed: per page, then the warnings, then one summary line."""
        out: list[str] = []
        for page in sorted({finding.page for finding in self.findings}):
            out.append(f"page {page}:")
            out += [f"  {finding}" for finding in self.findings if finding.page == page]
        out += [f"warning: {warning}" for warning in self.warnings]
        out += [f"font not embedded: {font}" for font in self.unembedded]
        verdict = "refused by --strict" if self.refused else "ready for print"
        if self.findings and not self.refused:
            verdict = f"{len(self.findings)} finding(s) to look at"
        out.append(f"preflight: {self.pages} pages, {self.measures.summary()} warnings={len(self.warnings)}: {verdict}")
        return out


def preflight(issue_dir: Path, edition: Edition = "print") -> Report:
    """Build the issue aside and report on its pages."""
    with tempfile.TemporaryDirectory(prefix="issuepdf-preflight-") as tmp:
        result = build(issue_dir, output=Path(tmp) / "preflight.pdf", edition=edition)
        unembedded = fonts_not_embedded(result.pdf)
    assert result.laid_out is not None and result.document is not None  # build always sets them
    measures = measure(result.laid_out)
    report = Report(result.pages, warnings=list(result.warnings), unembedded=unembedded, measures=measures)
    report.findings = _findings(measures, result.document) + _photo_findings(result.laid_out, result.document)
    return report


def _findings(measures: Measures, document: Document) -> list[Finding]:
    findings = []
    for line in measures.loose(LOOSE):
        source = document.sources.get(line.src or "")
        text = line.text if len(line.text) <= 40 else line.text[:39] + "…"
        message = f"loose line, word gaps {line.gap:.1f}× a space: '{text}'"
        findings.append(Finding(line.page, message, source.position if source else None))
    for page in measures.underfilled(FILL_TARGET):
        message = (
            f"{page.fill:.0%} full inside an article (under {FILL_TARGET:.0%}): a figure or table that did not"
            " fit moved to the next page; move it later in the text, shorten it, or make it smaller"
        )
        findings.append(Finding(page.number, message))
    return findings


def _photo_findings(laid_out: weasyprint.Document, document: Document) -> list[Finding]:
    """Photos as laid out: too coarse for print at their printed width, or still a placeholder."""
    from weasyprint.formatting_structure import boxes

    photos = {view.src: view for article in document.articles for view in article.blocks if view.kind == "photo"}
    owners = source_owners(laid_out)
    findings = []
    for number, page in enumerate(laid_out.pages, start=1):
        for box in body_boxes(page._page_box):
            view = photos.get(owners.get(id(box.element), "")) if isinstance(box, boxes.ReplacedBox) else None
            if view is None:
                continue
            where = document.sources[view.src].position
            if view.image != view.block.photo:
                findings.append(Finding(number, f"{view.block.photo} has not arrived: a placeholder is printed", where))
                continue
            pixels = getattr(box.replacement, "width", None)  # raster images only; SVG is vector
            dpi = pixels / (box.width / 96) if pixels and box.width else None
            if dpi is not None and dpi < PRINT_MIN_DPI:
                advice = "use a larger file, or a smaller `width`"
                findings.append(Finding(number, f"{view.block.photo} prints at {dpi:.0f} dpi: {advice}", where))
    return findings


def fonts_not_embedded(pdf: Path) -> list[str]:
    """The names of fonts the PDF's pages use without a font file."""
    from pypdf import PdfReader

    missing: set[str] = set()
    for page in PdfReader(pdf).pages:
        fonts = page.get("/Resources", {}).get_object().get("/Font", {})
        for font in fonts.get_object().values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor")
            files = descriptor.get_object().keys() if descriptor is not None else set()
            if not {"/FontFile", "/FontFile2", "/FontFile3"} & set(files):
                missing.add(str(font.get("/BaseFont", "?")))
    return sorted(missing)


def page_figures(issue_dir: Path) -> str:
    """`loose2x=… loose3x=… fill75=…` for a copy of the issue (its folder is not written to): the
    benchmark's line, so the figures are tracked over time."""
    with tempfile.TemporaryDirectory(prefix="issuepdf-figures-") as tmp:
        work = Path(tmp) / "issue"
        shutil.copytree(issue_dir, work, ignore=shutil.ignore_patterns("out"))
        result = build(work, output=work / "out" / "figures.pdf")
    assert result.laid_out is not None
    return measure(result.laid_out).summary()
