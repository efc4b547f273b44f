"""The building blocks of the content model: its base classes, and the field types every part shares
(text, dates, files in the issue folder)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
)

from .images import image_problem
from .loader import safe_relative


class Model(BaseModel):
    """Base of every model: unknown keys are errors, docstrings document fields."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


class BlockModel(Model):
    """Base of every block: any block can be a link target."""

    id: str | None = None
    """A unique name to link to this block (`[see](#name)`)."""


def block_key(model: type[BaseModel]) -> str:
    """The key that names a block in YAML (`- photo: a.jpg`): `key` if declared, else the first own field."""
    return getattr(model, "key", None) or next(name for name in model.model_fields if name != "id")


def _iso_date(value: Any) -> Any:
    """Dates as YAML reads them, or text in the one form that is unambiguous: 2022-01-05."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ValueError(f"write dates as 2022-01-05 (got {value!r})")
    return value


Date = Annotated[dt.date, BeforeValidator(_iso_date)]
"""A date written 2022-01-05."""


def existing_file(name: str, info: ValidationInfo) -> str:
    """Check that a referenced file lies inside the issue folder and exists (or has a placeholder)."""
    if not safe_relative(name):
        raise ValueError("give a relative path inside the issue folder (no '..', not absolute)")
    context = info.context or {}
    base = context.get("base")
    if base is None:
        return name
    path = Path(base) / name
    if not path.is_file():
        if info.data.get("placeholder"):
            return name
        raise ValueError(f"file not found: {name}")
    root = Path(context.get("root", base)).resolve()
    if not path.resolve().is_relative_to(root):
        raise ValueError(f"{name} is a link to a file outside the issue folder; copy the file in instead")
    return name


def printable_image(name: str, info: ValidationInfo) -> str:
    """Check that a photo file can be printed (not empty, damaged, a bomb or an unknown format)."""
    base = (info.context or {}).get("base")
    path = Path(base) / name if base is not None else None
    if path is not None and path.is_file():
        problem = image_problem(path)
        if problem:
            raise ValueError(problem)
    return name


FilePath = Annotated[str, AfterValidator(existing_file)]
"""A file inside the issue folder, relative to it (for a chart spec: relative to the spec)."""


class _Markdown:
    """The mark of a field whose text Markdown formats (see `markdown.markdown_paths`)."""

    def __repr__(self) -> str:
        return "MARKDOWN"


MARKDOWN = _Markdown()

Text = Annotated[str, Field(min_length=1)]
"""Text printed exactly as written (titles, tags, names)."""
Markdown = Annotated[str, Field(min_length=1), MARKDOWN]
"""Text with Markdown inline formatting: **bold**, *italic*, `code`, [links](https://…)."""
MaybeMarkdown = Annotated[str, MARKDOWN] | None
"""Optional text with Markdown inline formatting (captions, sources, credits)."""
