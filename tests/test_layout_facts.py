"""Facts about the page that Python code relies on, tied to the layout that decides them.

The check warns of photos too coarse for print from the width of the text column (`advice.COLUMN_MM`);
the column is decided by `layouts/bulletin.css`. This test reads it from a real layout, so a change of
the page margins fails here instead of silently skewing the warning.
"""

from __future__ import annotations

import pytest

from issuepdf.content.advice import COLUMN_MM
from issuepdf.pipeline.build import build
from issuepdf.pipeline.typeset import PX_PER_MM

from .support.issues import MakeIssue


def test_the_text_column_is_as_wide_as_the_check_assumes(make_issue: MakeIssue) -> None:
    result = build(make_issue())
    assert result.laid_out is not None
    body_pages = result.laid_out.pages[2:]  # after the cover and the contents
    widths = [page._page_box.width / PX_PER_MM for page in body_pages]
    assert widths and all(width == pytest.approx(COLUMN_MM, abs=0.1) for width in widths), widths
