"""`issuepdf extract`: the files embedded in an archive-edition PDF, back as an issue folder.

A PDF may come from anywhere, so nothing is written until every embedded file has been checked:
its name (only the kinds of file an archive edition embeds, by plain relative names), its structure
and its size once unpacked (bounded: a small PDF can hold a flate bomb). The files are then written
beside DIR and moved in: a new DIR appears whole, by one rename; an existing one must be empty, so
nothing already there is overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..content.errors import BadArchive, IssuepdfError
from ..content.paths import project_root
from ..pipeline.editions import BUILD_RECORD, archive_name_problem, build_record, record_differences
from ..pipeline.output import staged_folder

FILE_LIMIT = 50_000_000
"""Bytes one embedded file may unpack to: ten times the largest camera photo."""
TOTAL_LIMIT = 200_000_000
"""Bytes all embedded files together may unpack to."""


@dataclass
class Embedded:
    """One embedded file, checked but not yet unpacked."""

    name: str
    stream: Any
    compressed: bool


@dataclass
class Extracted:
    """What `extract` wrote, and what rebuilding the issue byte-identical needs."""

    folder: Path
    files: list[Path]
    record: dict[str, Any] | None
    differences: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The files written, then what a rebuild needs and whether this installation has it."""
        lines = [str(path) for path in self.files]
        command = f"`issuepdf build {self.folder} --edition archive`"
        if self.record is None:
            return [*lines, f"no build record in this PDF (made before issuepdf wrote one): {command} may differ"]
        needs = ", ".join(f"{key} {value}" for key, value in self.record.items())
        lines.append(f"{command} gives the same PDF again with {needs}")
        if not self.differences:
            return [*lines, "this installation has all of it"]
        return [*lines, *(f"warning: {difference}; a rebuild will differ" for difference in self.differences)]


def bad_archive(pdf: Path, problems: list[str]) -> BadArchive:
    """The error for a PDF whose embedded files cannot all be taken out safely, naming each problem."""
    message = f"{pdf}: {len(problems)} problem(s) with its embedded files; nothing was written"
    return BadArchive(message, [f"{pdf}: {problem}" for problem in problems])


def extract(pdf: Path, target: Path) -> Extracted:
    """Check every embedded file of `pdf`, then write them all into the new or empty folder `target`."""
    from pypdf.errors import PyPdfError

    _check_target(target)
    try:
        contents = _unpacked(pdf, _embedded(pdf))
    except (PyPdfError, OSError, ValueError, KeyError, TypeError) as err:  # what pypdf raises on broken PDFs
        raise IssuepdfError(f"cannot read {pdf}: {err}") from err
    record = _record(pdf, contents.get(BUILD_RECORD))
    files = _write_folder(target, contents)
    differences = record_differences(record, build_record(project_root(target))) if record else []
    return Extracted(target, [path for path in files if path.name != BUILD_RECORD], record, differences)


def _check_target(target: Path) -> None:
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise IssuepdfError(f"{target} is not a folder; give a new or empty folder")
    if target.is_dir() and any(target.iterdir()):
        raise IssuepdfError(f"{target} is not empty; extract into a new or empty folder, so nothing is overwritten")


def _embedded(pdf: Path) -> list[Embedded]:
    """Every embedded file with a safe name and a plain stream; raises naming every one that is not."""
    from pypdf import PdfReader

    specs = [(spec.name, spec.pdf_object) for spec in PdfReader(pdf, strict=True).attachment_list]
    if not specs:
        raise IssuepdfError(f"{pdf} has no embedded files (only the archive edition has them)")
    checked = [_check(name, spec) for name, spec in specs]
    problems = [item for item in checked if isinstance(item, str)] + _clashes([str(name) for name, _ in specs])
    if problems:
        raise bad_archive(pdf, problems)
    return [item for item in checked if isinstance(item, Embedded)]


def _check(name: Any, spec: Any) -> Embedded | str:
    """The embedded file, if it is as issuepdf writes them (a safe name, a plain or Flate stream), else the problem."""
    stream = _stream(spec)
    problem = _name_problem(name) or _stream_problem(spec, stream)
    if problem:
        return f"embedded file {name!r}: {problem}"
    return Embedded(name, stream, _filters(stream) == ["/FlateDecode"])


def _name_problem(name: Any) -> str | None:
    if not isinstance(name, str):
        return "its name is not text"
    return None if name == BUILD_RECORD else archive_name_problem(name)


def _stream_problem(spec: Any, stream: Any) -> str | None:
    from pypdf.generic import StreamObject

    if "/EF" not in spec:
        return "no embedded file stream (/EF is missing)"
    if not isinstance(stream, StreamObject):
        return f"/EF does not hold a file stream (found {type(stream).__name__})"
    filters = _filters(stream)
    if filters not in ([], ["/FlateDecode"]) or "/DecodeParms" in stream:
        return f"encoded with {' '.join(filters) or 'parameters'}; issuepdf writes plain or Flate streams"
    return None


def _stream(spec: Any) -> Any:
    """The stream a file specification embeds (/EF /UF or /EF /F), or None."""
    from pypdf.generic import DictionaryObject

    files = spec.get("/EF")
    files = files.get_object() if files is not None else None
    if not isinstance(files, DictionaryObject):
        return None
    key = "/UF" if "/UF" in files else "/F"
    return files[key].get_object() if key in files else None


def _filters(stream: Any) -> list[str]:
    found = stream.get("/Filter")
    found = found.get_object() if found is not None else []
    return [str(item) for item in found] if isinstance(found, list) else [str(found)]


def _clashes(names: list[str]) -> list[str]:
    """Names given twice, and files whose name is another file's folder."""
    twice = sorted(name for name, count in Counter(names).items() if count > 1)
    folders = {"/".join(name.split("/")[:i]) for name in names for i in range(1, name.count("/") + 1)}
    return [f"embedded file {name!r} is given twice" for name in twice] + [
        f"embedded file {name!r} is also the folder of another" for name in sorted(set(names) & folders)
    ]


def _unpacked(pdf: Path, embedded: list[Embedded]) -> dict[str, bytes]:
    """Each file's bytes, never unpacking more than FILE_LIMIT each or TOTAL_LIMIT in all."""
    contents: dict[str, bytes] = {}
    total = 0
    for item in embedded:
        data = _inflate(pdf, item, min(FILE_LIMIT, TOTAL_LIMIT - total))
        if _checksum(item.stream) not in (None, hashlib.md5(data, usedforsecurity=False).digest()):
            raise bad_archive(pdf, [f"embedded file {item.name!r} is damaged: its checksum does not match"])
        contents[item.name] = data
        total += len(data)
    return contents


def _checksum(stream: Any) -> bytes | None:
    """The MD5 the PDF records for an embedded file (WeasyPrint writes one), if it records one."""
    params = stream.get("/Params")
    params = params.get_object() if params is not None else None
    checksum = params.get("/CheckSum") if isinstance(params, dict) else None
    checksum = getattr(checksum, "original_bytes", checksum)  # pypdf may have decoded it as text
    return bytes(checksum) if isinstance(checksum, bytes) else None


def _inflate(pdf: Path, item: Embedded, limit: int) -> bytes:
    raw = bytes(item.stream._data)  # pypdf keeps the stream's bytes as stored here
    if not item.compressed:
        data = raw
    else:
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(raw, limit + 1)
        except zlib.error as err:
            raise bad_archive(pdf, [f"embedded file {item.name!r} is damaged ({err})"]) from err
    if len(data) > limit:
        size = f"{FILE_LIMIT // 1_000_000} MB each, {TOTAL_LIMIT // 1_000_000} MB in all"
        raise bad_archive(pdf, [f"embedded file {item.name!r} unpacks to more than the limit ({size}); refused"])
    return data


def _record(pdf: Path, data: bytes | None) -> dict[str, Any] | None:
    if data is None:
        return None
    try:
        record = json.loads(data)
    except ValueError as err:
        raise bad_archive(pdf, [f"{BUILD_RECORD} is not JSON ({err})"]) from err
    if not isinstance(record, dict):
        raise bad_archive(pdf, [f"{BUILD_RECORD} is not a JSON object"])
    return record


def _write_folder(target: Path, contents: dict[str, bytes]) -> list[Path]:
    """Write the files into place whole: a new folder by one rename; an existing empty one (perhaps the
    working folder, which must stay) entry by entry."""
    place = target.absolute()
    with staged_folder(place, contents, f"cannot write {target}") as staging:
        if place.is_dir():
            for entry in sorted(staging.iterdir()):
                os.rename(entry, place / entry.name)
        else:
            os.rename(staging, place)
    return [target / name for name in sorted(contents)]
