"""The chart worker: one browser renders every requested chart to SVG, then the process ends.

Run by charts.render_missing as `python -m issuepdf.chartworker` with a JSON request on stdin,
so the build can kill it, browser and all, at a deadline. Exit status 0 means every SVG exists.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from .output import write_atomic


async def render_all(request: dict[str, Any]) -> None:
    """Start the browser once and render each job, writing each SVG atomically."""
    import kaleido

    timeout = request["timeout"]
    async with kaleido.Kaleido(n=1, timeout=timeout, mathjax=False, path=request["browser"]) as session:
        for job in request["jobs"]:
            opts = {"format": "svg", "width": job["width"], "height": job["height"]}
            svg = await asyncio.wait_for(session.calc_fig(job["figure"], opts=opts), timeout)
            write_atomic(Path(job["path"]), svg)


def main() -> None:
    request = json.loads(sys.stdin.buffer.read())
    try:
        asyncio.run(render_all(request))
    except Exception as err:  # reported to the build, which retries once
        print(f"{type(err).__name__}: {err}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
