"""Which texts of an issue Markdown formats, read from the content model's types (`fields.Markdown`).

Titles, tags and names print exactly as written; paragraphs, captions, cells and the other fields typed
`Markdown` go through Markdown. Checks that only make sense for Markdown (asterisks it left as they were)
ask here, so the model stays the one place that says which is which.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from .fields import MARKDOWN, block_key
from .loader import KeyPath
from .model import Issue

Kinds = tuple[bool, tuple[type[BaseModel], ...]]
"""What a place in the data may hold: whether a string there is Markdown, and the models a mapping may be."""


def markdown_paths(data: Any) -> Iterator[KeyPath]:
    """The key paths of the strings in loaded issue data that Markdown formats."""
    yield from _walk(data, (False, (Issue,)), ())


def _walk(value: Any, kinds: Kinds, path: KeyPath) -> Iterator[KeyPath]:
    markdown, models = kinds
    if isinstance(value, str):
        if markdown:
            yield path
    elif isinstance(value, list):  # a list's items may hold what the list may (`_parts` looks through lists)
        for index, item in enumerate(value):
            yield from _walk(item, kinds, (*path, index))
    elif isinstance(value, dict):
        model = _model_of(value, models)
        for key, item in value.items():
            field = _field_kinds(model, key) if model else None
            if field is not None:
                yield from _walk(item, field, (*path, key))


@cache
def _field_kinds(model: type[BaseModel], key: str) -> Kinds | None:
    """The kinds of a model's field, worked out once from its type."""
    field = model.model_fields.get(key)
    if field is None:
        return None
    parts = list(_parts(field.rebuild_annotation(), False))
    markdown = any(kind is str and is_markdown for kind, is_markdown in parts)
    return markdown, tuple(kind for kind, _ in parts if isinstance(kind, type) and issubclass(kind, BaseModel))


def _parts(annotation: Any, markdown: bool) -> Iterator[tuple[Any, bool]]:
    """The plain types an annotation admits (through Annotated, unions and lists), each with whether a
    MARKDOWN mark encloses it."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *metadata = get_args(annotation)
        yield from _parts(base, markdown or any(item is MARKDOWN for item in metadata))
    elif origin in (Union, types.UnionType, list):
        for argument in get_args(annotation):
            yield from _parts(argument, markdown)
    else:
        yield annotation, markdown


def _model_of(value: dict[str, Any], models: tuple[type[BaseModel], ...]) -> type[BaseModel] | None:
    """The model a mapping is read as: the only one allowed there, or the block its naming key names."""
    if len(models) == 1:
        return models[0]
    return next((model for key in value for model in models if block_key(model) == key), None)
