"""The chart worker: one browser renders every requested chart to SVG, then the process ends.

Run by charts.render_missing as `python -m issuepdf.chartworker BUILD_PID` with a JSON request on stdin,
so the build can kill it, browser and all, at a deadline. Exit status 0 means every SVG exists.

Two promises hold whatever a chart spec says:
- The browser fetches nothing: kaleido's Chromium runs with web security off and file access
  between `file://` pages on, so a figure's image source would be fetched from the network or the
  disk and embedded in the SVG. `OfflineChromium` drops those flags, resolves every host name to
  nowhere and sends any request that is still made to a proxy that does not exist.
- The worker and its browser never outlive the build: the browser stays in the worker's process
  group, the kernel sends the worker SIGTERM when the build dies (`PR_SET_PDEATHSIG`), and SIGTERM
  kills the whole group at once.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from choreographer.browsers.chromium import Chromium

from .output import write_atomic

OPEN_FLAGS = frozenset({"--allow-file-access-from-files", "--disable-web-security"})
"""Flags kaleido's browser starts with that let a page read other files and any site."""
OFFLINE_FLAGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND",  # every name, and every address, resolves to nothing
    "--proxy-server=http://proxy.invalid:9",  # and what is left goes to a proxy that does not exist,
    "--proxy-bypass-list=<-loopback>",  # loopback included (Chromium never proxies it by default)
    "--disable-background-networking",
)
PR_SET_PDEATHSIG = 1


class OfflineChromium(Chromium):
    """kaleido's Chromium, started so that it cannot fetch anything and dies with the worker."""

    def get_cli(self) -> Sequence[str]:
        return [*(flag for flag in super().get_cli() if flag not in OPEN_FLAGS), *OFFLINE_FLAGS]

    def get_popen_args(self) -> Mapping[str, Any]:
        return {**super().get_popen_args(), "start_new_session": False}  # stay in the worker's group


async def render_all(request: dict[str, Any]) -> None:
    """Start the browser once and render each job, writing each SVG atomically.

    A chart that takes longer than the request's timeout ends the worker at once: cancelling a
    kaleido render waits for the browser to finish it, which is what timed out.
    """
    import kaleido

    timeout = request["timeout"]
    async with kaleido.Kaleido(
        n=1, timeout=None, mathjax=False, path=request["browser"], browser_cls=OfflineChromium
    ) as session:
        for job in request["jobs"]:
            opts = {"format": "svg", "width": job["width"], "height": job["height"]}
            render = asyncio.ensure_future(session.calc_fig(job["figure"], opts=opts))
            done, _ = await asyncio.wait({render}, timeout=timeout)
            if not done:
                _stop(f"timeout: timed out after {timeout:g} s")
            write_atomic(Path(job["path"]), render.result())


def die_with(parent: int) -> None:
    """Have the kernel SIGTERM this worker when the build that started it dies (Linux), and kill
    the worker's whole process group, browser included, on SIGTERM."""
    signal.signal(signal.SIGTERM, _kill_group)
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the build died before the kernel was told
        _kill_group(signal.SIGTERM, None)


def _kill_group(_signum: int, _frame: FrameType | None) -> None:
    os.killpg(os.getpgid(0), signal.SIGKILL)


def _stop(reason: str) -> None:
    """Tell the build why, then end the worker and its browser."""
    print(reason, file=sys.stderr, flush=True)
    _kill_group(signal.SIGKILL, None)


def main() -> None:
    die_with(int(sys.argv[1]))
    request = json.loads(sys.stdin.buffer.read())
    try:
        asyncio.run(render_all(request))
    except Exception as err:  # reported to the build, which retries once
        print(f"{type(err).__name__}: {err}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
