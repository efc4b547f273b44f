"""A block type is its model, its template and its CSS: nothing else names it.

`content/model.py` lists each block model once for the YAML reader (`BLOCK_TYPES`) and once in the typed
`Block` union; the transform stage hands any block it does not number to `layouts/blocks/<key>.html`. These
tests tie the three together, so a block added to one place and forgotten in another fails here, not in a
build.
"""

from __future__ import annotations

from typing import Annotated, get_args, get_origin

import pytest

from issuepdf.content.model import BLOCK_TYPES, Block
from issuepdf.content.paths import SOURCE_ROOT

BLOCKS = SOURCE_ROOT / "layouts" / "blocks"


def _union_models() -> set[type]:
    union = get_args(Block)[0]  # Annotated[Union[...], Discriminator]
    members = [get_args(member)[0] if get_origin(member) is Annotated else member for member in get_args(union)]
    return {member for member in members if isinstance(member, type) and member is not str}


def test_the_typed_union_holds_exactly_the_blocks_the_reader_knows() -> None:
    assert _union_models() == set(BLOCK_TYPES.values())


@pytest.mark.parametrize("key", sorted(BLOCK_TYPES))
def test_every_block_type_has_a_template_that_marks_its_source(key: str) -> None:
    template = BLOCKS / f"{key}.html"
    assert template.is_file(), f"{key}: add layouts/blocks/{key}.html"
    assert "b.attributes" in template.read_text(encoding="utf-8"), "the fidelity check needs {{ b.attributes }}"


@pytest.mark.parametrize("key", sorted(BLOCK_TYPES))
def test_every_block_type_has_its_own_css(key: str) -> None:
    css = (SOURCE_ROOT / "layouts" / "bulletin.css").read_text(encoding="utf-8")
    template = (BLOCKS / f"{key}.html").read_text(encoding="utf-8")
    classes = {name for part in template.split('class="')[1:] for name in part.split('"')[0].split()}
    outer = template.lstrip("<").split()[0]  # e.g. `figure`, styled by element
    selectors = [f".{name}" for name in classes if "{" not in name] + [f"\n{outer} ", f"\n{outer}."]
    assert any(selector in css for selector in selectors), f"{key}: no rule in bulletin.css"
