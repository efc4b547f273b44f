"""The command line's frame: the `issuepdf` group, logging, the one place an error becomes output and exit
code 1, and the options several commands share. Each command lives with its audience's commands."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from .. import __version__
from ..content.errors import IssuepdfError
from ..pipeline.editions import PLANS

issue_dir_arg = click.argument(
    "issue_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="ISSUE_DIR"
)


def _setup_logging(verbose: int) -> None:
    """Progress on a terminal (or with -v); warnings and errors always."""
    level = logging.WARNING
    if verbose or sys.stderr.isatty():
        level = logging.INFO
    if verbose > 1:
        level = logging.DEBUG
    handler = OneLineHandler()
    handler.setLevel(level)
    logger = logging.getLogger("issuepdf")
    logger.setLevel(level)
    for name in ("issuepdf", "weasyprint"):  # replace, not add: main() may run many times in one process
        target = logging.getLogger(name)
        for old in [h for h in target.handlers if isinstance(h, OneLineHandler)]:
            target.removeHandler(old)
        target.addHandler(handler)


class OneLineHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """One record, one line on stderr, never wrapped: `path:line:col: …` stays one line to grep and click."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.levelno < logging.WARNING or getattr(record, "located", False):
            return message
        return f"{record.levelname.lower()}: {message}"

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr  # the stderr of now (click's test runner swaps it)
        super().emit(record)


def _fail(err: IssuepdfError) -> NoReturn:
    """An error's lines (every problem, every detail), then the error itself; exit code 1."""
    for message in err.messages:
        click.echo(message, err=True)
    click.echo(f"error: {err}", err=True)
    sys.exit(1)


class Commands(click.Group):
    """The commands, with the one place that turns an issuepdf error into its lines and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IssuepdfError as err:
            _fail(err)


@click.group(cls=Commands)
@click.version_option(__version__, prog_name="issuepdf")
@click.option("-v", "--verbose", count=True, help="More detail (-vv for debug).")
def main(verbose: int) -> None:
    """Typeset a numbered issue of 주간 중국 창업 from YAML into PDF."""
    _setup_logging(verbose)


edition_option = click.option(
    "--edition",
    type=click.Choice(list(PLANS)),
    default="screen",
    show_default=True,
    help="screen; print (bleed, crop marks, PDF/X-4); archive (PDF/A-3b with sources); email (small images); "
    "web (pages, with build).",
)
pdf_edition_option = click.option(
    "--edition",
    type=click.Choice([name for name, plan in PLANS.items() if plan.site is None]),
    default="screen",
    show_default=True,
    help="screen; print (bleed, crop marks, PDF/X-4); archive (PDF/A-3b with sources); email (small images).",
)
