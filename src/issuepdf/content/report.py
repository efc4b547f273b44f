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
        for error in _as_written(err.errors(), loaded):
            _report(model, loaded, error, problems, tags or {})
        return None


def is_tag(part: str | int) -> bool:
    """Whether a part of a pydantic error location is a union tag, not a key the editor wrote."""
    return isinstance(part, str) and part.startswith("<")


def _report(
    model: type[BaseModel], loaded: Loaded, error: Any, problems: Problems, tags: Mapping[str, type[BaseModel]]
) -> None:
    loc: tuple[str | int, ...] = error["loc"]
    keypath: KeyPath = error["written"]
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
    elif kind == "block_type" and not isinstance(error.get("input"), dict | list):
        problems.add(loaded.position(keypath), shown, _not_text(error.get("input")))
    else:
        message = error["msg"].removeprefix("Value error, ")
        if kind not in ("value_error", "block_type", "assertion_error") and error.get("input") is not None:
            message += f" (got {_short(error['input'])})"
        problems.add(loaded.position(keypath), shown, message)


KINDS = {str: "a text", float: "a number", int: "a whole number", list: "a list", dict: "keys and values"}
"""What a union member takes, as an editor names it (in this order)."""


def _as_written(errors: list[Any], loaded: Loaded) -> list[Any]:
    """Pydantic's errors, each with `written`: its location as the editor wrote it; and for a value that
    fits no member of a union, one answer instead of one per member.

    Pydantic puts the union's members in a location (`constrained-str`, `list[constrained-str]`, `Cell`)
    and reports every member that refused the value: for `text: [좋다, {a: 1}]` that was a complaint
    that it is no text, then that its second item is no text. The member the value's kind was meant
    for speaks (here the list); a value of a kind no member takes gets `expected a text or a list`.
    """
    kept: list[Any] = []
    unions: dict[KeyPath, list[tuple[str, Any]]] = {}
    for error in errors:
        written, member = _walk(error["loc"], loaded.data, error["type"] == "missing")
        error["written"] = written
        if member is None:
            kept.append(error)
        else:
            unions.setdefault(member[0], []).append((member[1], error))
    for prefix, members in unions.items():
        value = loaded.value(prefix)
        fitting = [error for label, error in members if _takes(label, value)]
        if fitting:
            kept += fitting
            continue
        taken = {kind for label, _ in members if (kind := _kind(label)) is not None}
        kinds = [name for kind, name in KINDS.items() if kind in taken and not (kind is int and float in taken)]
        message = "expected " + (
            " or ".join([", ".join(kinds[:-1]), kinds[-1]] if kinds[1:] else kinds) or "another value"
        )
        kept.append({"type": "union_kind", "loc": prefix, "msg": message, "input": value, "written": prefix})
    return kept


def _walk(loc: tuple[str | int, ...], data: Any, missing: bool) -> tuple[KeyPath, tuple[KeyPath, str] | None]:
    """The keys of `loc` that are in the data (and the last, when it is a `missing` key), and the first union
    member named on the way (the written path before it, and its label)."""
    written: list[str | int] = []
    member: tuple[KeyPath, str] | None = None
    node = data
    for n, part in enumerate(loc):
        inside = isinstance(node, dict) and part in node
        if inside or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            node = node[part]
        elif isinstance(part, str) and not (missing and n == len(loc) - 1):
            if member is None and not is_tag(part):
                member = (tuple(written), part)
            continue
        written.append(part)
    return tuple(written), member


def _kind(label: str) -> type | None:
    """The Python kind a union member's label takes: `list[…]` a list, `Cell` (a model) keys and values."""
    base = label.split("[", 1)[0].removeprefix("constrained-")
    named = {"list": list, "tuple": list, "set": list, "dict": dict, "str": str, "int": int, "float": float}
    if base in named:
        return named[base]
    return dict if label[:1].isupper() else None


def _takes(label: str, value: Any) -> bool:
    """Whether the member takes values of the kind of `value` (a whole number where a number is taken)."""
    kind = _kind(label)
    if kind is None or isinstance(value, bool):
        return kind is None
    return isinstance(value, kind) or (kind is float and isinstance(value, int))


def _not_text(value: Any) -> str:
    """What YAML made of a body item that looks like a paragraph but is no text (`- 2021`, `- yes`, `-`)."""
    if value is None:
        return "an empty item: write the paragraph after the dash, or delete the line"
    what = "yes/no" if isinstance(value, bool) else "a number" if isinstance(value, int | float) else "a date"
    return f"YAML reads this as {what}, not as a paragraph: put the whole text in double quotes to print it"


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
