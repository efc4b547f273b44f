"""The log-level policy of issuepdf, and the warning counter behind `--strict`.

- ERROR: a step failed; nothing is written. Printed always.
- WARNING: the output may be wrong (a missing glyph, a resource WeasyPrint could not load, CSS it
  ignored). Printed always and counted; `--strict` turns any warning into a failure.
- INFO: progress, one line per step with its time. Printed on a terminal or with `-v`.
- DEBUG: detail for developers. Printed with `-vv`.

WeasyPrint logs to `weasyprint` with only a NullHandler, so its warnings vanish unless we
listen; the build listens for its whole duration. Kaleido and choreographer are chatty at INFO:
they are held to WARNING.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

LOCATED = {"located": True}
"""`extra` of a record whose message is a Problem: it says `warning:` after its position itself."""
COUNTED = ("weasyprint", "issuepdf")
"""Loggers whose warnings count against `--strict`."""
QUIETED = ("kaleido", "choreographer", "logistro", "fontTools")


class WarningCounter(logging.Handler):
    """Keeps every warning (and worse) logged during a build."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def messages(self) -> list[str]:
        return [f"{record.name}: {record.getMessage()}" for record in self.records]


@contextmanager
def counting_warnings() -> Iterator[WarningCounter]:
    """Count warnings of the counted loggers while the block runs."""
    counter = WarningCounter()
    loggers = [logging.getLogger(name) for name in COUNTED]
    for logger in loggers:
        logger.addHandler(counter)
        if logger.level == logging.NOTSET or logger.level > logging.WARNING:
            logger.setLevel(logging.INFO if logger.name == "issuepdf" else logging.WARNING)
    try:
        yield counter
    finally:
        for logger in loggers:
            logger.removeHandler(counter)


def quiet_chatty_libraries() -> None:
    """Keep third-party progress chatter out of the editor's terminal."""
    for name in QUIETED:
        logging.getLogger(name).setLevel(logging.WARNING)
