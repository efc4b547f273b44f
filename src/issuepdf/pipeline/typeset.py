"""Stage 6, typeset: HTML → laid-out pages → PDF bytes, with WeasyPrint.

WeasyPrint may only read files under the issue folder, layouts/ and fonts/: the fetcher refuses
the network and every other path, so content cannot pull in anything else.
"""

from __future__ import annotations

import gc
import hashlib
import mimetypes
import os
import signal
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from ..content.errors import LayoutTimeout
from ..content.images import printable_bytes
from ..content.paths import MAX_RESOURCE_BYTES, read_inside
from .justify import even_out
from .stylesheets import install as install_stylesheet_cache

if TYPE_CHECKING:
    import weasyprint


PX_PER_MM = 96 / 25.4
"""CSS pixels per millimetre (96 to the inch): the unit of WeasyPrint's boxes and of Plotly's figures."""
MAX_STYLESHEET_BYTES = 1_000_000
"""Largest stylesheet read: bulletin.css is 11 kB; WeasyPrint took 8 s and 256 MB for 1 MB, and 7 GB
(then was stopped) for 55 MB."""
MAX_STYLESHEETS = 100
"""Stylesheets one layout may read: an issue has three or four; nested `@import`s with a query string
each (`c1.css?1` … `?10`, ten levels) would otherwise read 10^10 of them until the deadline."""
MAX_SERVED_BYTES = 2_000_000_000
"""Bytes one layout may read from files (photos, stylesheets; fonts come through fontconfig): issue 260
reads 31 kB, a hundred camera photos would be 1 GB; the same large photo named with a thousand query
strings would otherwise be read, and decoded, a thousand times."""
_PLACES: dict[bytes, bytes] = {}
"""Every URL a LocalFetcher served → the file's place: the index of its root and its path inside."""


def _image_md5(data: bytes, usedforsecurity: bool = True) -> Any:
    """WeasyPrint's image naming, by place instead of by absolute URL.

    WeasyPrint 70 names each raster image `md5(absolute URL)` (weasyprint/images.py,
    get_image_from_uri), and the name is written into every page that shows it: the same issue
    built in two folders gave two PDFs. The fetcher has just served that URL, so it knows the file's
    place in the issue, layouts/ or fonts/, which is the same wherever the folders are.
    """
    return hashlib.md5(_PLACES.get(data, data), usedforsecurity=usedforsecurity)


def place(root_index: int, relative: str) -> bytes:
    """A file's place: which allowed folder (0 the issue, 1 layouts/, 2 fonts/) and its path inside."""
    return f"{root_index}:{relative}".encode()


def image_name(photo: str) -> str:
    """The md5 WeasyPrint's image name carries for a photo of the issue (`/i<md5>…` in the PDF)."""
    return hashlib.md5(place(0, photo), usedforsecurity=False).hexdigest()


@cache
def _fetcher_class() -> type:
    """Built lazily so that importing this module does not load WeasyPrint (and fontconfig)."""
    from weasyprint import URLFetcher, images
    from weasyprint.urls import URLFetcherResponse

    images.md5 = _image_md5  # only image names: images.py uses md5 for nothing else

    class Served(URLFetcherResponse):  # type: ignore[misc]
        """A file's bytes as the fetcher read and checked them, with no path: given a `file:` response,
        WeasyPrint reads a PNG or JPEG again by its path when it writes the PDF, so a 16-bit PNG served
        converted printed as the black box of the original, and a file swapped after the check was read."""

        @property
        def path(self) -> None:
            return None

    class LocalFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint has no type information
        """Serves files under the allowed folders and refuses everything else."""

        def __init__(self, roots: list[Path]) -> None:
            super().__init__(allowed_protocols=["file"])
            self.roots = [root.resolve() for root in roots]
            self.sheets = 0
            self.served = 0

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
            parts = urlsplit(url)
            if parts.scheme != "file":
                raise ValueError(f"refused {url}: issuepdf reads no network resources")
            path = Path(unquote(parts.path)).resolve()
            limit = MAX_STYLESHEET_BYTES if path.suffix.lower() == ".css" else MAX_RESOURCE_BYTES
            index, path, data = read_inside(path, self.roots, limit)
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            self.sheets += mime == "text/css"
            self.served += len(data)
            if self.sheets > MAX_STYLESHEETS:
                raise ValueError(
                    f"refused {path}: more than {MAX_STYLESHEETS} stylesheets in one layout (an @import loop?)"
                )
            if self.served > MAX_SERVED_BYTES:
                raise ValueError(f"refused {path}: the layout has read {MAX_SERVED_BYTES:,} bytes of files already")
            _PLACES[url.encode()] = place(index, path.relative_to(self.roots[index]).as_posix())
            return Served(path.as_uri(), printable_bytes(path, data), {"Content-Type": mime})

    return LocalFetcher


def fetcher(roots: list[Path]) -> Any:
    """A URL fetcher that reads only files under `roots`."""
    return _fetcher_class()(roots)


def typeset(
    html: str, base_dir: Path, roots: list[Path], first_page: int | None = None, **options: Any
) -> weasyprint.Document:
    """Lay out the HTML; relative URLs resolve against the issue folder. Loose justified lines are then
    evened out (see justify.py), so every layout, whole or of one article, is set alike.

    `first_page` numbers the first page (an article typeset alone in an incremental build);
    `options` go to WeasyPrint's render (a shared font configuration and image cache).
    """
    import weasyprint

    install_stylesheet_cache()
    stylesheets = []
    if first_page is not None:
        stylesheets.append(weasyprint.CSS(string=f"@page :first {{ counter-reset: page {first_page} }}"))
    source = weasyprint.HTML(string=html, base_url=base_dir.resolve().as_uri() + "/", url_fetcher=fetcher(roots))
    gc.freeze()  # what we loaded before stays alive: keep the collector from rescanning it during layout
    try:
        document = source.render(stylesheets=stylesheets, **options)
    finally:
        gc.unfreeze()
    even_out(document)
    return document


LAYOUT_TIMEOUT_S = float(os.environ.get("ISSUEPDF_LAYOUT_TIMEOUT", "300"))
"""Longest a layout and its PDF may take: the 310-page benchmark issue takes 12 s, so only input built
to exhaust the typesetter reaches it; `build` and `watch` then end with a message instead of hanging."""
LAYOUT_STOPPED = (
    "the layout took longer than {limit:g} s and was stopped; look for a huge table, image or"
    " paragraph (ISSUEPDF_LAYOUT_TIMEOUT sets the limit)"
)


@contextmanager
def deadline(limit: float | None = None, stopped: str = LAYOUT_STOPPED) -> Iterator[None]:
    """Interrupt the block after `limit` seconds (LAYOUT_TIMEOUT_S by default) with LayoutTimeout, whose
    message is `stopped` with the limit filled in. WeasyPrint's layout and Jinja's templates are Python
    code, so an alarm signal stops them between two steps.

    Only the main thread receives signals: elsewhere, and on systems without SIGALRM, the block runs
    unbounded. Inside a block already under a deadline the outer one stands (one timer per process).
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or not hasattr(signal, "SIGALRM")
        or signal.getitimer(signal.ITIMER_REAL)[0] > 0
    ):
        yield
        return
    limit = LAYOUT_TIMEOUT_S if limit is None else limit  # read now: tests shorten it

    def expire(_signum: int, _frame: Any) -> None:
        # and again soon after: raised inside a gc callback or __del__, an exception is ignored
        signal.setitimer(signal.ITIMER_REAL, 0.1)
        raise LayoutTimeout(stopped.format(limit=limit))

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def memory_cap(extra_bytes: int) -> Iterator[None]:
    """Let the block grow the process by at most `extra_bytes` of address space: past it, allocations
    fail and Python raises MemoryError, instead of the machine running out of memory.

    The soft RLIMIT_AS is lowered for the block and restored after (an unprivileged process may raise it
    back up to its hard limit). The cap is process-wide, and a program started meanwhile (by another
    thread: `serve` starting the editor) would keep it: such a start lifts it in the child
    (`uncapped_child`).
    """
    try:
        import resource

        used = int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError):  # not Linux: no cap
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = used + extra_bytes
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft != resource.RLIM_INFINITY and soft <= cap:
        yield
        return
    _UNCAPPED.append((soft, hard))
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        _UNCAPPED.pop()


_UNCAPPED: list[tuple[int, int]] = []
"""The address-space limit before the memory cap now in force, if one is."""


def uncapped_child() -> None:
    """For `subprocess.Popen(preexec_fn=…)`: in a child started while a memory cap is in force, the limit
    as it was before the cap (a child keeps its parent's limits for good)."""
    if _UNCAPPED:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, _UNCAPPED[0])


def pdf_bytes(document: weasyprint.Document, options: dict[str, Any]) -> bytes:
    """The PDF of a laid-out document: fonts subset and embedded, with the edition's options.

    Written from a fresh view of the layout each time, so that one layout serves several editions: for
    PDF/A, WeasyPrint 70 adds the sRGB profile to the document's colour profiles, which would otherwise
    reach (as an output intent) every edition written after it from the same layout.
    """
    fresh = type(document)(
        document.pages,
        document.metadata,
        document.url_fetcher,
        document.font_config,
        dict(document.color_profiles),
        document.output_intent,
    )
    with _document_id_from(options.get("pdf_identifier") or b"issuepdf"):
        pdf: bytes = fresh.write_pdf(**options)
    return pdf


@contextmanager
def _document_id_from(seed: bytes) -> Iterator[None]:
    """Make WeasyPrint's XMP DocumentID (a uuid4 for PDF/X-4) derive from the content instead.

    WeasyPrint 70 writes `xmp.did:<uuid4>` for PDF/X-4 (its code marks this TODO), which makes
    every print edition differ byte-wise; the PDF /ID, a hash of the objects, then differs too.
    """
    from weasyprint.pdf import metadata

    original = metadata.uuid4
    metadata.uuid4 = lambda: uuid.UUID(bytes=hashlib.md5(seed, usedforsecurity=False).digest(), version=4)
    try:
        yield
    finally:
        metadata.uuid4 = original
