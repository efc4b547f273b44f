"""The web edition as one file, for the archive: a ZIP kept in the revision with its PDFs.

The archive publishes an issue's pages in its site (`web/<number>/`), which later archives rewrite (links to
the neighbouring issues) and which is not verified. The ZIP is the record: hashed in the manifest, checked by
`verify`, and what `archive page` publishes again when the site has lost an issue. Its entries are sorted and
dated with the issue's date, so the same edition gives the same bytes; on the way out, only plain relative
names of a bounded size are taken.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from ..content.errors import IssuepdfError

MAX_BYTES = 200_000_000
"""What an edition's files may unpack to in all: an issue's pages, photos and fonts are a few MB."""


def bundle_name(number: int) -> str:
    return f"issue-{number}-web.zip"


def zipped(files: dict[str, bytes], moment: dt.datetime) -> bytes:
    """The files as a ZIP with sorted names, each dated `moment`: the same files, the same bytes."""
    out = io.BytesIO()
    stamp = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return out.getvalue()


def unzipped(data: bytes, where: str) -> dict[str, bytes]:
    """The files of a web edition's ZIP; raises IssuepdfError for a name that climbs out or a size past bounds."""
    files: dict[str, bytes] = {}
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                parts = info.filename.split("/")
                if info.is_dir() or info.filename.startswith("/") or any(p in ("", ".", "..") for p in parts):
                    raise IssuepdfError(f"{where}: {info.filename!r} is not a plain relative name; not published")
                total += info.file_size
                if total > MAX_BYTES:
                    raise IssuepdfError(f"{where}: unpacks to more than {MAX_BYTES:,} bytes; not published")
                files[info.filename] = archive.read(info)
    except (zipfile.BadZipFile, OSError) as err:
        raise IssuepdfError(f"{where}: not a readable web edition ({err}); not published") from err
    return files
