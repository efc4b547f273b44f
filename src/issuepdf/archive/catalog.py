"""The archive's catalog: one SQLite file listing every archived revision, its files and its articles,
with a full-text index (FTS5) over issue titles, section and article titles and article text (tokenized
for Korean as `search.py` says)."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..content.errors import CatalogError
from ..pipeline.contents import ArticleEntry
from .manifest import FileRecord
from .search import index_text, match_expression, query_terms, snippet

CATALOG_NAME = "catalog.sqlite"
SCHEMA_VERSION = 2
WEIGHTS = (0.2, 2.0, 10.0, 1.0)
"""bm25 weights of the columns issue_title, section, title, text: a word in an article's title ranks first.
The issue title (`주간 중국 창업`) is the same in every issue, so its words match everywhere and count little."""

SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    f"INSERT INTO meta VALUES ('schema', '{SCHEMA_VERSION}')",
    """CREATE TABLE revisions (
    number INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    date TEXT NOT NULL,
    title TEXT NOT NULL,
    publisher TEXT NOT NULL,
    pages INTEGER NOT NULL,
    archived TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    PRIMARY KEY (number, revision)
)""",
    """CREATE TABLE files (
    number INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (number, revision, path),
    FOREIGN KEY (number, revision) REFERENCES revisions (number, revision)
)""",
    """CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    number INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    position INTEGER NOT NULL,
    section TEXT NOT NULL,
    title TEXT NOT NULL,
    page INTEGER NOT NULL,
    text TEXT NOT NULL,
    printed INTEGER,
    FOREIGN KEY (number, revision) REFERENCES revisions (number, revision)
)""",
    "CREATE INDEX articles_by_revision ON articles (number, revision, position)",
    """CREATE VIRTUAL TABLE article_search USING fts5(
    issue_title, section, title, text, content = '', tokenize = 'unicode61 remove_diacritics 2'
)""",
)
"""The search index holds only the current revision of each issue; its rowid is the article's id.

It is contentless (the bigrams are not stored twice, which halves the catalog), so a row is removed
by the FTS5 'delete' command with the values it was indexed with, made again from `articles`.
`articles.printed` is the article's number as the PDF prints it (NULL: unnumbered, or archived
under schema 1, which did not record it).
"""
UPGRADES = {
    1: (
        "ALTER TABLE articles ADD COLUMN printed INTEGER",
        f"UPDATE meta SET value = '{SCHEMA_VERSION}' WHERE key = 'schema'",
    ),
}
"""Schema version → the statements that bring a catalog of that version to SCHEMA_VERSION."""
WRITE_FAILURES = {
    "SQLITE_FULL": "the disk is full",
    "SQLITE_READONLY": "it is read-only",
    "SQLITE_CANTOPEN": "it or its folder cannot be written (read-only?)",
    "SQLITE_BUSY": "another issuepdf run is writing it; wait for that run to finish, then run again",
    "SQLITE_LOCKED": "another issuepdf run is writing it; wait for that run to finish, then run again",
    "SQLITE_IOERR": "the disk failed to read or write it",
}
"""SQLite's primary error codes → the cause an editor can act on."""


@dataclass(frozen=True)
class Revision:
    """One archived revision of an issue, as the catalog records it."""

    number: int
    revision: int
    date: dt.date
    title: str
    publisher: str
    pages: int
    archived: str
    """When it was archived (UTC, ISO 8601)."""
    manifest_sha256: str

    @property
    def folder(self) -> str:
        """Its folder, relative to the archive root."""
        return f"{self.number}/r{self.revision}"


@dataclass(frozen=True)
class Hit:
    """One article found by a search."""

    number: int
    date: dt.date
    revision: int
    section: str
    title: str
    page: int
    snippet: str


@dataclass(frozen=True)
class Found:
    """The best hits of a search, and how many articles matched in all."""

    hits: list[Hit]
    total: int


# --- text -------------------------------------------------------------------------------------


# --- the database -----------------------------------------------------------------------------


def require_fts5() -> None:
    """Fail clearly when this Python's SQLite was built without FTS5 (the search index needs it)."""
    with sqlite3.connect(":memory:") as probe:
        try:
            probe.execute("CREATE VIRTUAL TABLE probe USING fts5(text, tokenize = 'unicode61')")
        except sqlite3.OperationalError as err:
            raise CatalogError(
                f"this Python's SQLite {sqlite3.sqlite_version} has no FTS5 ({err}); "
                "use a Python built with a standard SQLite (Debian's, python.org's and uv's have it)"
            ) from err
    probe.close()


class Catalog:
    """The catalog of one archive root. Use `open_catalog`, and `transaction()` for every change."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.db = connection
        self.path = path

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction, taken at once so two archiving runs never interleave.

        Any SQLite error becomes a CatalogError naming its cause (a full disk, a read-only file, another
        run holding the lock): SQLite rolls some failed transactions back by itself, and a second
        ROLLBACK would then replace the real error with "cannot rollback - no transaction is active".
        """
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):  # what failed matters, not the rollback
                        self.db.execute("ROLLBACK")
                raise
        except sqlite3.Error as err:
            raise write_error(self.path, err) from err

    # reading

    def revisions(self, number: int | None = None) -> list[Revision]:
        """Every revision (of one issue, when given), by number, then revision."""
        where, args = ("WHERE number = ?", (number,)) if number is not None else ("", ())
        rows = self.db.execute(f"SELECT * FROM revisions {where} ORDER BY number, revision", args)
        return [_revision(row) for row in rows]

    def current(self) -> list[Revision]:
        """The latest revision of every issue, newest issue first."""
        rows = self.db.execute(
            "SELECT * FROM revisions r WHERE revision = (SELECT MAX(revision) FROM revisions WHERE number = r.number)"
            " ORDER BY number DESC"
        )
        return [_revision(row) for row in rows]

    def neighbours(self, number: int) -> tuple[Revision | None, Revision | None]:
        """The latest revisions of the archived issues just below and just above `number`."""
        below = self.db.execute("SELECT MAX(number) FROM revisions WHERE number < ?", (number,)).fetchone()[0]
        above = self.db.execute("SELECT MIN(number) FROM revisions WHERE number > ?", (number,)).fetchone()[0]
        return (
            self.revisions(below)[-1] if below is not None else None,
            self.revisions(above)[-1] if above is not None else None,
        )

    def files(self, number: int, revision: int) -> list[FileRecord]:
        rows = self.db.execute(
            "SELECT path, sha256, size FROM files WHERE number = ? AND revision = ? ORDER BY path", (number, revision)
        )
        return [FileRecord(*row) for row in rows]

    def articles(self, number: int, revision: int) -> list[ArticleEntry]:
        rows = self.db.execute(
            "SELECT section, title, page, text, printed FROM articles"
            " WHERE number = ? AND revision = ? ORDER BY position",
            (number, revision),
        )
        return [ArticleEntry(*row) for row in rows]

    def search(self, query: str, limit: int = 20) -> Found:
        """The best `limit` articles containing every word of `query`, in the current revisions."""
        expression = match_expression(query)
        terms = query_terms(query)
        weights = ", ".join(map(str, WEIGHTS))
        try:
            total = self.db.execute(
                "SELECT count(*) FROM article_search WHERE article_search MATCH ?", (expression,)
            ).fetchone()[0]
            rows = self.db.execute(
                "SELECT a.number, r.date, a.revision, a.section, a.title, a.page, a.text"
                " FROM article_search JOIN articles a ON a.id = article_search.rowid"
                " JOIN revisions r ON r.number = a.number AND r.revision = a.revision"
                f" WHERE article_search MATCH ? ORDER BY bm25(article_search, {weights}), a.number DESC, a.position"
                " LIMIT ?",
                (expression, limit),
            ).fetchall()
        except sqlite3.OperationalError as err:
            raise CatalogError(f"cannot search for {query!r}: {err}") from err
        hits = [
            Hit(number, dt.date.fromisoformat(date), revision, section, title, page, snippet(text, terms))
            for number, date, revision, section, title, page, text in rows
        ]
        return Found(hits, total)

    def problems(self) -> list[str]:
        """What SQLite's own checks find wrong with the database and its search index."""
        found = [row[0] for row in self.db.execute("PRAGMA integrity_check") if row[0] != "ok"]
        try:
            self.db.execute("INSERT INTO article_search(article_search) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as err:
            found.append(f"search index: {err}")
        return found

    # writing

    def record(
        self, revision: Revision, files: list[FileRecord], articles: list[ArticleEntry], issue_title: str
    ) -> None:
        """Add a revision with its files and articles; it replaces older revisions in the search index.

        Call inside `transaction()`.
        """
        self.db.execute(
            "INSERT INTO revisions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                revision.number,
                revision.revision,
                revision.date.isoformat(),
                revision.title,
                revision.publisher,
                revision.pages,
                revision.archived,
                revision.manifest_sha256,
            ),
        )
        self.db.executemany(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?)",
            [(revision.number, revision.revision, f.path, f.sha256, f.size) for f in files],
        )
        self._unindex(revision.number, revision.revision)
        for position, article in enumerate(articles, start=1):
            cursor = self.db.execute(
                "INSERT INTO articles (number, revision, position, section, title, page, text, printed)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    revision.number,
                    revision.revision,
                    position,
                    article.section,
                    article.title,
                    article.page,
                    article.text,
                    article.number,
                ),
            )
            self.db.execute(
                "INSERT INTO article_search (rowid, issue_title, section, title, text) VALUES (?, ?, ?, ?, ?)",
                (cursor.lastrowid, *_indexed(issue_title, article)),
            )

    def _unindex(self, number: int, below: int) -> None:
        """Take the articles of the revision before `below` out of the search index (earlier ones are out)."""
        rows = self.db.execute(
            "SELECT a.id, r.title, a.section, a.title, a.page, a.text FROM articles a"
            " JOIN revisions r ON r.number = a.number AND r.revision = a.revision"
            " WHERE a.number = ?1"
            " AND a.revision = (SELECT MAX(revision) FROM revisions WHERE number = ?1 AND revision < ?2)",
            (number, below),
        ).fetchall()
        for rowid, issue_title, section, title, page, text in rows:
            self.db.execute(
                "INSERT INTO article_search (article_search, rowid, issue_title, section, title, text)"
                " VALUES ('delete', ?, ?, ?, ?, ?)",
                (rowid, *_indexed(issue_title, ArticleEntry(section, title, page, text))),
            )


def _indexed(issue_title: str, article: ArticleEntry) -> tuple[str, str, str, str]:
    """The values of an article's row in the search index."""
    return index_text(issue_title), index_text(article.section), index_text(article.title), index_text(article.text)


def _revision(row: tuple[Any, ...]) -> Revision:
    number, revision, date, title, publisher, pages, archived, manifest_sha256 = row
    return Revision(number, revision, dt.date.fromisoformat(date), title, publisher, pages, archived, manifest_sha256)


def write_error(path: Path, err: sqlite3.Error) -> CatalogError:
    """A failed catalog write as its cause in an editor's words, with SQLite's own message."""
    code = "_".join(getattr(err, "sqlite_errorname", "").split("_")[:2])  # SQLITE_IOERR_WRITE → SQLITE_IOERR
    cause = WRITE_FAILURES.get(code, "SQLite refused the change")
    return CatalogError(f"cannot write the catalog {path}: {cause} ({err}); the catalog is as it was before")


def _schema_version(db: sqlite3.Connection) -> int | None:
    """The catalog's schema version; None while it has no tables (new, or being created by another run)."""
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone() is None:
        return None
    row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    return int(row[0]) if row else None


def _settle_schema(catalog: Catalog) -> int | None:
    """Create the tables of a new catalog, or upgrade an older one; under the write lock, so two runs
    starting on an empty archive at once cannot both create them, nor read them half made."""
    with catalog.transaction():
        found = _schema_version(catalog.db)  # again: another run may have done it while this one waited
        statements = SCHEMA if found is None else UPGRADES.get(found, ())
        for statement in statements:
            catalog.db.execute(statement)
    return _schema_version(catalog.db)


def open_catalog(root: Path, create: bool = False) -> Catalog:
    """The catalog of the archive at `root`; with `create`, a new empty one if there is none."""
    path = root / CATALOG_NAME
    if not path.is_file() and not create:
        raise CatalogError(
            f"no archive at {root} (no {CATALOG_NAME}): archive an issue first, or give --root or ISSUEPDF_ARCHIVE"
        )
    require_fts5()
    try:
        root.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, isolation_level=None)  # transactions are explicit: see Catalog.transaction
        db.execute("PRAGMA foreign_keys = ON")
        catalog = Catalog(db, path)
    except (sqlite3.DatabaseError, OSError) as err:
        raise CatalogError(f"cannot open the catalog {path}: {err}") from err
    try:
        schema = _schema_version(db)
        if schema is None or schema < SCHEMA_VERSION:
            schema = _settle_schema(catalog)
        if schema != SCHEMA_VERSION:
            raise CatalogError(f"{path} has catalog schema {schema}; this issuepdf reads {SCHEMA_VERSION}")
    except sqlite3.DatabaseError as err:
        catalog.close()
        raise CatalogError(f"cannot open the catalog {path}: {err}") from err
    except BaseException:
        catalog.close()
        raise
    return catalog
