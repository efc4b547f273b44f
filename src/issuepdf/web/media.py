"""Photos and charts for the web pages: photos downsampled into a few widths for `srcset`, charts as inline SVG.

Photos are resized as the email edition's are (JPEG quality 80; PNG where the photo has transparency),
never enlarged; an SVG photo is copied as it is, and shown through `<img>`, where a browser runs no script
in it and fetches nothing for it. Resized files are kept in the issue's cache by the photo's bytes.

A chart is the SVG the charts stage rendered, set into the page so that its text takes the page's fonts:
its ids are prefixed so that two charts on one page never share one, and it is an image (`role="img"`)
named by the chart's `alt`. The numbers behind it are given again as a table for screen readers and for
copying.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..content.chartspec import ChartSpec
from ..pipeline.editions import EMAIL_JPEG_QUALITY
from ..pipeline.output import write_atomic

WIDTHS = (480, 960, 1440)
"""The widths of a photo's versions, in pixels: a phone, a laptop, a high-density laptop screen."""
_SVG_ROOT = re.compile(r"<svg\b[^>]*>")
_ATTRIBUTE = re.compile(r'\s([\w:-]+)="([^"]*)"')
_ID = re.compile(r'\bid="([^"]+)"')
_CLASS = re.compile(r'\sclass="[^"]*"')


@dataclass(frozen=True)
class Picture:
    """A photo as the page shows it: the file, its versions for `srcset`, and its size (to reserve room)."""

    src: str = ""
    srcset: str = ""
    width: int | None = None
    height: int | None = None
    inline: Markup | None = None
    """issuepdf's own placeholder, set into the page so that its Korean takes the page's fonts."""


@dataclass
class Media:
    """The files the pages need beside them, and what each photo and chart block shows, by its source key."""

    files: dict[str, bytes] = field(default_factory=dict)
    pictures: dict[str, Picture] = field(default_factory=dict)
    charts: dict[str, Markup] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)


def placeholder(path: Path, label: str, prefix: str) -> Picture:
    """A placeholder for a photo not delivered yet (placeholders.py made it, so it may be inlined)."""
    return Picture(inline=inline_chart(path.read_text(encoding="utf-8"), label, prefix))


def picture(path: Path, cache: Path, files: dict[str, bytes]) -> Picture:
    """The photo's versions, added to `files` under `images/`; a file shown twice is written once."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:16]
    if path.suffix.lower() == ".svg":
        name = f"images/{digest}.svg"
        files[name] = data
        width, height = _svg_size(data.decode("utf-8", "replace"))
        return Picture(name, "", width, height)
    from PIL import Image

    with Image.open(path) as image:
        full_width, full_height = _upright_size(image)
        widths = sorted({w for w in WIDTHS if w < full_width} | {min(full_width, WIDTHS[-1])})
        alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        suffix = "png" if alpha else "jpg"
        names = [f"images/{digest}-{w}.{suffix}" for w in widths]
        for width, name in zip(widths, names, strict=True):
            if name not in files:
                files[name] = _version(image, width, alpha, cache / "web-images" / name.removeprefix("images/"))
    srcset = ", ".join(f"{name} {w}w" for name, w in zip(names, widths, strict=True))
    return Picture(names[-1], srcset, widths[-1], round(full_height * widths[-1] / full_width))


def _upright_size(image: Any) -> tuple[int, int]:
    """The photo's size as shown: a camera's EXIF orientation 5-8 turns it a quarter."""
    turned = image.getexif().get(0x0112, 1) in (5, 6, 7, 8)
    return (image.height, image.width) if turned else (image.width, image.height)


def _version(image: Any, width: int, alpha: bool, cached: Path) -> bytes:
    """The photo at `width` pixels, upright, as JPEG (or PNG with transparency), from the cache if made before."""
    if cached.is_file():
        return cached.read_bytes()
    import io

    from PIL import Image, ImageOps

    upright = ImageOps.exif_transpose(image)
    upright = upright.convert("RGBA" if alpha else "RGB")
    height = max(1, round(upright.height * width / upright.width))
    resized = upright.resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if alpha:
        resized.save(out, "PNG", optimize=True)
    else:
        resized.save(out, "JPEG", quality=EMAIL_JPEG_QUALITY, optimize=True, progressive=True)
    write_atomic(cached, out.getvalue())
    return out.getvalue()


def _svg_size(svg: str) -> tuple[int | None, int | None]:
    """An SVG's width and height in pixels from its root's attributes (or viewBox), when it gives them."""
    root = _SVG_ROOT.search(svg)
    attributes = dict(_ATTRIBUTE.findall(root.group())) if root else {}
    try:
        return round(float(attributes["width"])), round(float(attributes["height"]))
    except (KeyError, ValueError):
        box = attributes.get("viewBox", "").replace(",", " ").split()
        return (round(float(box[2])), round(float(box[3]))) if len(box) == 4 else (None, None)


def inline_chart(svg: str, label: str, prefix: str) -> Markup:
    """issuepdf's own SVG (a chart, a placeholder) for inlining: ids its own, scaled to its box, an image
    named `label`."""
    svg = _CLASS.sub("", svg)  # Plotly's classes (`trace3f9a1c`) serve its scripts, and carry random parts
    names = {name: f"{prefix}-{n}" for n, name in enumerate(dict.fromkeys(_ID.findall(svg)))}
    if names:  # renamed in order, not kept: Plotly's ids carry a random part, and the same chart gives the same page
        found = re.compile(rf'(id="|#)({"|".join(map(re.escape, names))})(?=["\)])')
        svg = found.sub(lambda m: m.group(1) + names[m.group(2)], svg)
    root = _SVG_ROOT.search(svg)
    if root is None:
        return Markup("")
    attributes = dict(_ATTRIBUTE.findall(root.group()))
    width, height = _svg_size(root.group())
    box = attributes.get("viewBox") or f"0 0 {width} {height}"
    head = Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="{}" '
        'role="img" aria-label="{}" focusable="false" style="max-width: {}px">'
    ).format(box, label, width or "")
    return head + Markup(svg[root.end() :])  # the SVG the charts stage rendered


def chart_table(spec: ChartSpec) -> dict[str, Any]:
    """The chart's numbers as a table: a header row (categories, then each series) and one row per category."""
    unit = f" {spec.unit}" if spec.unit else ""
    head = [spec.x_title or "항목", *(series.name or "값" for series in spec.series)]
    rows = [
        [str(category), *(_value(_at(series.values, i), unit) for series in spec.series)]
        for i, category in enumerate(spec.categories)
    ]
    return {"head": head, "rows": rows}


def _at(values: list[float | None], i: int) -> float | None:
    return values[i] if i < len(values) else None


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    return shown + unit
