"""Pydantic's errors as an editor reads them: each at its `file:line:col`, in plain words.

One reader for every YAML file issuepdf takes (issue.yaml and its articles, chart specs, issuepdf.yaml,
theme.yaml): load with positions (loader.py), validate here.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .loader import YAML_ADVICE, KeyPath, Loaded, load_yaml
from .problems import Problems


def validate_model(
    model: type[BaseModel],
    loaded: Loaded,
    context: dict[str, Any],
    problems: Problems,
    tags: Mapping[str, type[BaseModel]] | None = None,
) -> Any:
    """Validate data against a model, turning each pydantic error into a positioned problem.

    `tags` names the model behind each tag of a tagged union (`<photo>` → Photo), so that an unknown
    key inside a block is answered with that block's keys.
    """
    try:
        return model.model_validate(loaded.data, context=context)
    except ValidationError as err:
        for error in err.errors():
            _report(model, loaded, error, problems, tags or {})
        return None


def is_tag(part: str | int) -> bool:
    """Whether a part of a pydantic error location is a union tag, not a key the editor wrote."""
    return isinstance(part, str) and part.startswith("<")


def _report(
    model: type[BaseModel], loaded: Loaded, error: Any, problems: Problems, tags: Mapping[str, type[BaseModel]]
) -> None:
    loc: tuple[str | int, ...] = error["loc"]
    keypath: KeyPath = tuple(part for part in loc if not is_tag(part))
    if any(keypath[: len(broken)] == broken for broken in loaded.broken):
        return
    kind = error["type"]
    shown = ".".join(str(part) for part in keypath)
    if kind == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1], tags)
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        message = f"unknown key '{loc[-1]}'" + (f"; did you mean '{hint[0]}'?" if hint else "")
        if allowed and not hint:
            message += f" (expected one of: {', '.join(allowed)})"
        problems.add(loaded.position(keypath, key=True), shown, message)
    elif kind == "missing":
        problems.add(loaded.position(keypath[:-1]), shown, f"missing required key '{loc[-1]}'")
    elif kind == "block_type" and _read_as_mapping(error.get("input")):
        problems.add(
            loaded.position(keypath), shown, f"this paragraph contains ': ' and was read as 'key: value'; {YAML_ADVICE}"
        )
    else:
        message = error["msg"].removeprefix("Value error, ")
        if kind not in ("value_error", "block_type", "assertion_error") and error.get("input") is not None:
            message += f" (got {_short(error['input'])})"
        problems.add(loaded.position(keypath), shown, message)


def _read_as_mapping(value: Any) -> bool:
    """A body item that YAML made a one-entry mapping because the text has `: ` in it."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = str(next(iter(value)))
    return not key.isascii() or " " in key


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _fields_at(model: type[BaseModel], loc: tuple[str | int, ...], tags: Mapping[str, type[BaseModel]]) -> list[str]:
    """The keys allowed at an error location, found by walking the model's annotations."""
    current: Any = model
    for part in loc:
        if is_tag(part):
            current = tags.get(str(part), current)
        elif isinstance(part, str) and isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(part)
            current = _first_model(info.annotation) if info else None
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _first_model(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds, directly or inside list/Optional/Annotated/Union."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType | typing._GenericAlias | types.GenericAlias):  # type: ignore[attr-defined]
        for arg in typing.get_args(annotation):
            found = _first_model(arg)
            if found is not None:
                return found
    return None


Model = TypeVar("Model", bound=BaseModel)


def read_model(model: type[Model], path: Path, problems: Problems) -> Model | None:
    """A settings file (issuepdf.yaml, theme.yaml) read like the issue, with its positions and bounds, into
    `model`; an empty file gives the model's defaults. None when any problem was added."""
    loaded = load_yaml(path, problems)
    if loaded is None or problems:
        return None
    value: Model | None = validate_model(model, Loaded(loaded.data or {}, loaded.spots), {}, problems)
    return None if problems else value
