"""Photos as delivered by contributors: find the ones that would print wrong, fix the ones we can.

WeasyPrint embeds a JPEG without decoding it, so a truncated file prints grey; it skips an image it
cannot read with only a log line; it does not know 16-bit greyscale PNGs. `check` reports the first
kinds with the file's position; the fetcher converts the last on the fly.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree

from .paths import MAX_RESOURCE_BYTES

READABLE = {"JPEG", "PNG", "GIF", "WEBP", "TIFF", "BMP"}
"""Formats WeasyPrint embeds through Pillow; SVG is read as XML."""
SIXTEEN_BIT_MODES = {"I;16", "I;16B", "I;16L", "I", "F"}


def image_problem(path: Path) -> str | None:
    """Why `path` cannot be printed as a photo, or None when it can.

    Decoding a camera photo takes ~35 ms and one command may check an issue several times (email and
    archive check before they build; watch checks on every save), so the answer is kept per file
    version: the same path, size and modification time give the same answer.
    """
    stat = path.stat()
    return _image_problem(path, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=512)
def _image_problem(path: Path, size: int, _mtime_ns: int) -> str | None:
    if size == 0:
        return f"{path.name} is empty (0 bytes)"
    if size > MAX_RESOURCE_BYTES:
        return f"{path.name} is {size:,} bytes; the limit is {MAX_RESOURCE_BYTES:,}"
    if path.suffix.lower() == ".svg":
        return _svg_too_big(path.name, size) or svg_problem(path.name, path.read_bytes())
    cut = _cut_short(path, size)
    if cut:
        return cut
    from PIL import Image, ImageFile, UnidentifiedImageError

    ImageFile.LOAD_TRUNCATED_IMAGES = False  # WeasyPrint sets it True when imported; we want to know
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.format not in READABLE:
                    return f"{path.name} is {image.format}, which cannot be printed; save it as JPEG or PNG"
                if image.format == "JPEG":
                    image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))  # decode fast
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        return f"{path.name} is refused as a decompression bomb: {err}"
    except UnidentifiedImageError:
        return f"{path.name} is not an image issuepdf can read; save it as JPEG or PNG"
    except (OSError, SyntaxError, ValueError) as err:
        return f"{path.name} is damaged ({err}); export it again"
    return None


def _cut_short(path: Path, size: int) -> str | None:
    """A JPEG without its end marker or a PNG without IEND was cut short (a broken download)."""
    with path.open("rb") as handle:
        head = handle.read(8)
        handle.seek(max(0, size - 64))
        tail = handle.read().rstrip(b"\0")
    if head.startswith(b"\xff\xd8") and not tail.endswith(b"\xff\xd9"):
        return f"{path.name} is damaged (the JPEG ends early: a broken download?); export it again"
    if head.startswith(b"\x89PNG") and b"IEND" not in tail[-12:]:
        return f"{path.name} is damaged (the PNG ends early: a broken download?); export it again"
    return None


MAX_SVG_BYTES = 5_000_000
"""Largest SVG drawn: WeasyPrint parses SVG in Python, 20 MB of path data took 45 s and 1.5 GB."""
MAX_SVG_ELEMENTS = 100_000
"""Elements an SVG may draw once every `<use>` is expanded: a detailed map has a few thousand; nested
`<use>` can make a 2 KB file draw billions, which would keep the typesetter busy for ever."""
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def _svg_too_big(name: str, size: int) -> str | None:
    if size > MAX_SVG_BYTES:
        return f"{name} is {size:,} bytes of SVG; the limit is {MAX_SVG_BYTES:,} (save a detailed drawing as PNG)"
    return None


def svg_problem(name: str, data: bytes) -> str | None:
    """Why an SVG cannot be drawn: not SVG, too big to parse, or far more to draw than any figure needs."""
    too_big = _svg_too_big(name, len(data))
    if too_big:
        return too_big
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as err:
        return f"{name} is not well-formed SVG ({err})"
    if not root.tag.endswith("svg"):
        return f"{name} is XML but not SVG (its root is <{root.tag}>)"
    drawn = next((ref for ref in _file_references(root) if not _raster_name(ref)), None)
    if drawn is not None:
        return (
            f"{name} draws the file {drawn[:60]!r}, which may draw it in turn; keep an SVG to itself and raster images"
        )
    if _expanded_size(root) > MAX_SVG_ELEMENTS:
        return f"{name} draws over {MAX_SVG_ELEMENTS:,} elements once its <use> copies are expanded; simplify it"
    return None


RASTER_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".tif", ".tiff", ".bmp")


def _file_references(root: ElementTree.Element) -> list[str]:
    """Every link of the SVG to another file: `href`s that are neither `#id` nor `data:` (WeasyPrint
    refuses `data:` in issue files, like any URL that is not a file of the issue)."""
    hrefs = (element.get("href") or element.get(XLINK_HREF) or "" for element in root.iter())
    return [href for href in hrefs if href.strip() and not href.strip().startswith(("#", "data:"))]


def _raster_name(reference: str) -> bool:
    """Whether a link names a raster image (which draws nothing further), by its suffix."""
    return reference.split("#")[0].split("?")[0].lower().endswith(RASTER_SUFFIXES)


def _expanded_size(root: ElementTree.Element) -> int:
    """How many elements the SVG draws with every `<use>` replaced by what it points to (capped)."""
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    sizes: dict[int, int] = {}
    open_: set[int] = set()

    def size(element: ElementTree.Element, depth: int) -> int:
        if id(element) in sizes:
            return sizes[id(element)]
        if depth > 50 or id(element) in open_:  # absurd nesting, or a <use> cycle: too much
            return MAX_SVG_ELEMENTS + 1
        open_.add(id(element))
        total = 1 + sum(size(child, depth + 1) for child in element)
        if element.tag.endswith("use"):
            target = by_id.get((element.get("href") or element.get(XLINK_HREF) or "").lstrip("#"))
            total += size(target, depth + 1) if target is not None else 0
        sizes[id(element)] = total = min(total, MAX_SVG_ELEMENTS + 1)
        open_.discard(id(element))
        return total

    return size(root, 0)


def printable_bytes(path: Path, data: bytes) -> bytes:
    """The bytes WeasyPrint should get for a file: 16-bit greyscale PNGs become 8-bit; an SVG that
    would draw without end, or a raster image of more pixels than `check` lets a photo have, is refused
    (a stylesheet or an SVG names files `check` does not look at; WeasyPrint decodes any file it is
    given as an image, whatever its name, so every file is sniffed: SVG by its first character, since
    WeasyPrint draws as SVG a file it cannot open as a raster image)."""
    if path.suffix.lower() == ".svg" or (
        path.suffix.lower() != ".css" and data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"
    ):
        problem = svg_problem(path.name, data)
        if problem:
            raise ValueError(problem)
        return data
    if data[:4] in (b"wOFF", b"wOF2"):
        problem = packed_font_problem(data)
        if problem:
            raise ValueError(f"{path.name}: {problem}")
        return data
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.open(io.BytesIO(data)).close()  # reads the header only: the size, not the pixels
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise ValueError(f"{path.name} is refused as a decompression bomb: {err}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        pass  # not an image (a stylesheet, a font): WeasyPrint reads it as what it is
    if path.suffix.lower() != ".png" or data[24:25] != b"\x10":  # IHDR bit depth
        return data

    with Image.open(io.BytesIO(data)) as image:
        if image.mode not in SIXTEEN_BIT_MODES:
            return data
        eight_bit = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    out = io.BytesIO()
    eight_bit.save(out, format="PNG")
    return out.getvalue()


MAX_FONT_BYTES = 100_000_000
"""Largest font a WOFF or WOFF2 file may unpack to (Noto Sans CJK, the largest common font, is 16 MB)."""


def packed_font_problem(data: bytes) -> str | None:
    """Why a WOFF or WOFF2 font may not be unpacked: its compressed tables would unpack past what its
    directory declares, or past MAX_FONT_BYTES. WeasyPrint unpacks them with fontTools, which
    decompresses in full before it compares sizes, so a 2 kB file could take gigabytes."""
    import brotli
    from fontTools.ttLib import TTLibError

    try:
        return _woff2_problem(data) if data[:4] == b"wOF2" else _woff_problem(data)
    except (struct.error, ValueError, EOFError, zlib.error, brotli.error, TTLibError) as err:
        return f"a damaged WOFF font ({err})"


def _woff_problem(data: bytes) -> str | None:
    """WOFF 1: each table not stored as is is zlib data of a declared size; unpack each at most one byte past it."""
    (count,) = struct.unpack_from(">H", data, 12)
    declared = 0
    for index in range(count):
        offset, packed, size = struct.unpack_from(">4xLLL", data, 44 + 20 * index)
        declared += size
        if declared > MAX_FONT_BYTES:
            return f"unpacks to more than {MAX_FONT_BYTES:,} bytes; refused"
        if packed != size and len(zlib.decompressobj().decompress(data[offset : offset + packed], size + 1)) > size:
            return "a table unpacks to more than its directory declares (a compression bomb?); refused"
    return None


def _woff2_problem(data: bytes) -> str | None:
    """WOFF 2: one Brotli stream of all tables, whose sizes the directory declares."""
    import brotli
    from fontTools.misc import sstruct
    from fontTools.ttLib import woff2

    header = sstruct.unpack(woff2.woff2DirectoryFormat, data[: woff2.woff2DirectorySize])
    stream = io.BytesIO(data)
    stream.seek(woff2.woff2DirectorySize)
    declared = 0
    for _ in range(header["numTables"]):
        entry = woff2.WOFF2DirectoryEntry()
        entry.fromFile(stream)
        declared += entry.length
    if declared > MAX_FONT_BYTES:
        return f"unpacks to more than {MAX_FONT_BYTES:,} bytes; refused"
    unpacked = brotli.Decompressor().process(
        stream.read(header["totalCompressedSize"]), output_buffer_limit=declared + 1
    )
    if len(unpacked) > declared:
        return "its tables unpack to more than its directory declares (a compression bomb?); refused"
    return None
