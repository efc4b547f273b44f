"""Every error issuepdf reports to an editor, in one place.

An `IssuepdfError` is a message, not a bug: the CLI prints its `messages` (one line each: every problem
with its `file:line:col`, or what was done before it stopped), then `error: <the error>`, and exits with
code 1; anything else that escapes is a bug and keeps its traceback. Raise the most specific class;
catch `IssuepdfError` only where a message is the answer.

    IssuepdfError
    ├── InvalidIssue          the sources have problems (all of them, positioned)
    │   └── Unfilled          placeholders of `issuepdf new` left
    ├── StrictFailure         --strict and warnings were logged
    ├── SettingsError         issuepdf.yaml
    ├── TemplateFailure       a layout template (file:line)
    ├── ChartError            a chart could not be rendered
    ├── LayoutTimeout         the layout ran past its deadline
    ├── BuildLocked           another build of the issue is running
    ├── OverBudget            the email PDF is over its size budget
    ├── SendError             sending cannot start or go on
    │   └── LogWriteError     the send log cannot be written
    ├── SubscriberError       the subscriber list cannot be read or changed as asked
    ├── MailboxError          the bounce mailbox (IMAP) cannot be read
    ├── ArchiveError          the issue may not be archived as asked
    ├── CatalogError          the archive catalog cannot be read or written
    ├── ManifestError         a revision's manifest cannot be read
    ├── BadArchive            an archive edition's files cannot all be extracted safely
    ├── NewIssueError         the next issue cannot be started
    └── ConvertError          an article cannot be converted or imported as asked
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .problems import Problems


class IssuepdfError(Exception):
    """Base of every error the CLI reports as a message rather than a traceback."""

    def __init__(self, message: str, messages: list[str] | None = None) -> None:
        super().__init__(message)
        self.messages: list[str] = messages or []
        """Lines printed before the error itself: each problem, or what was done before it stopped."""


class InvalidIssue(IssuepdfError):
    """The issue's sources have problems; nothing was written."""

    def __init__(self, problems: Problems, message: str | None = None) -> None:
        self.problems = problems
        super().__init__(message or f"{len(problems)} problem(s) found", [str(problem) for problem in problems])


class Unfilled(InvalidIssue):
    """The issue still has placeholders from `issuepdf new`."""

    def __init__(self, problems: Problems) -> None:
        message = f"{len(problems)} placeholder(s) from `issuepdf new` still to fill in; nothing was archived"
        super().__init__(problems, message)


class StrictFailure(IssuepdfError):
    """`--strict` was given and the build logged warnings (the warnings are the messages)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(f"--strict: {len(messages)} warning(s); nothing was written", messages)


class SettingsError(IssuepdfError):
    """`issuepdf.yaml` cannot be read or has wrong keys; `messages` lists every problem."""


class TemplateFailure(IssuepdfError):
    """A layout template could not be rendered: named with its file and line, never a traceback."""


class ChartError(IssuepdfError):
    """A chart could not be rendered (no browser, a crash, a timeout)."""


class LayoutTimeout(IssuepdfError):
    """The layout ran past its deadline."""


class BuildLocked(IssuepdfError):
    """Another build of the same issue is running."""


class OverBudget(IssuepdfError):
    """The email PDF is larger than its budget; `messages` names the largest images, `images` holds them."""

    def __init__(self, message: str, messages: list[str], images: Sequence[Any]) -> None:
        super().__init__(message, messages)
        self.images = list(images)


class SendError(IssuepdfError):
    """Sending cannot start or cannot go on; `messages` says what was done before it stopped."""


class LogWriteError(SendError):
    """The send log cannot be written (disk full, read-only folder): the run must stop."""


class SubscriberError(IssuepdfError):
    """The subscriber list (SQLite) cannot be read or written, or a change was refused (e.g. re-adding an
    address that unsubscribed, without --resubscribe)."""


class MailboxError(IssuepdfError):
    """The bounce and reply mailbox cannot be reached or read over IMAP."""


class ArchiveError(IssuepdfError):
    """The issue may not be archived as asked; nothing was changed."""


class CatalogError(IssuepdfError):
    """The catalog is missing, unreadable or cannot be written, or this Python's SQLite lacks FTS5."""


class ManifestError(IssuepdfError):
    """A manifest cannot be read."""


class BadArchive(IssuepdfError):
    """The PDF's embedded files cannot all be taken out safely; `messages` names each problem."""


class NewIssueError(IssuepdfError):
    """The next issue cannot be started (no previous issue, or its folder exists)."""


class ConvertError(IssuepdfError):
    """An article cannot be converted (YAML ↔ Markdown) or a document imported as asked; nothing was written."""
