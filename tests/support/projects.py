"""Throwaway projects for the email tests: issuepdf.yaml beside issues/, with the real layouts and fonts.

A test's issue must not read the repository's own issuepdf.yaml, so each lives in a project of
its own whose `layouts/` and `fonts/` are links to the real ones.
"""

from __future__ import annotations

import io
import random
import textwrap
from pathlib import Path

from PIL import Image, ImageChops

from issuepdf.content.paths import SOURCE_ROOT

from .issues import write_files


def make_project(root: Path, settings: str = "", issues: dict[str, dict[str, str | bytes]] | None = None) -> Path:
    """A project folder with `issuepdf.yaml` (when given) and issues {name: {relative path: content}}."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("layouts", "fonts"):
        if not (root / name).exists():
            (root / name).symlink_to(SOURCE_ROOT / name, target_is_directory=True)
    if settings:
        (root / "issuepdf.yaml").write_text(textwrap.dedent(settings), encoding="utf-8")
    for issue, files in (issues or {}).items():
        write_files(root / "issues" / issue, files)
    return root


def camera_photo(seed: int, size: tuple[int, int] = (4000, 3000)) -> bytes:
    """A JPEG like a phone camera's: 12 MP, a few MB, soft shapes, fine texture and sensor grain.

    Pure noise would not shrink like a photo when downsampled, a flat image would shrink too
    well; texture at several scales keeps the email edition's size realistic.
    """
    rnd = random.Random(seed)
    width, height = size
    shapes = Image.frombytes("RGB", (16, 12), rnd.randbytes(16 * 12 * 3)).resize(size, Image.Resampling.BICUBIC)
    texture = Image.effect_noise((width // 8, height // 8), 40).resize(size, Image.Resampling.BICUBIC).convert("RGB")
    grain = Image.effect_noise(size, 10).convert("RGB")
    image = ImageChops.add(ImageChops.add(shapes, texture, offset=-128), grain, offset=-128)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()
