"""`issuepdf bench`: cold, warm and bare-WeasyPrint build times and peak memory.

Each measurement runs in a fresh process (a clean interpreter, no warm caches in memory) and
reports its own wall time and peak RSS; we print medians, since machines here are shared.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .problems import IssuepdfError


def _measure_in_child(kind: str, issue_dir: Path, html: Path | None = None) -> dict[str, float]:
    args = [sys.executable, "-m", "issuepdf.bench", kind, str(issue_dir), str(html or "")]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise IssuepdfError(f"bench {kind} run failed:\n{done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child(kind: str, issue_dir: Path, html: Path | None) -> None:
    """Run one measurement in this process and print it as JSON."""
    import resource

    start = time.perf_counter()
    if kind == "bare":
        _bare_weasyprint(issue_dir, html)
    else:
        from .build import build

        build(issue_dir, output=issue_dir / "out" / "bench.pdf")
    seconds = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": own, "browser_mb": children}))


def _bare_weasyprint(issue_dir: Path, html: Path | None) -> None:
    """WeasyPrint alone on the HTML a build typesets: the floor a build is compared with."""
    from .fonts import use_project_fonts
    from .paths import project_root

    use_project_fonts(project_root(issue_dir) / "fonts")
    import weasyprint

    assert html is not None
    document = weasyprint.HTML(filename=str(html), base_url=issue_dir.resolve().as_uri() + "/")
    document.write_pdf(issue_dir / "out" / "bench-bare.pdf")


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def bench(issue_dir: Path, runs: int = 3) -> None:
    """Print the table and the summary line `bench: warm/bare=… cold-bare=…s peak=…MB`."""
    console = Console()
    with tempfile.TemporaryDirectory(prefix="issuepdf-bench-") as tmp:
        work = Path(tmp) / issue_dir.resolve().name
        shutil.copytree(issue_dir, work, ignore=shutil.ignore_patterns(".cache", "out"))
        html = Path(tmp) / "issue.html"
        results: dict[str, list[dict[str, float]]] = {"cold": [], "warm": [], "bare": []}
        for _ in range(runs):
            shutil.rmtree(work / ".cache", ignore_errors=True)
            results["cold"].append(_measure_in_child("cold", work))
        from .build import build

        build(work, output=work / "out" / "bench.pdf", html_output=html)
        for _ in range(runs):
            results["warm"].append(_measure_in_child("warm", work))
            results["bare"].append(_measure_in_child("bare", work, html))
    table = Table(title=f"issuepdf bench: {issue_dir} (median of {runs})")
    for column in ("run", "seconds", "peak MB (python)", "peak MB (children)"):
        table.add_column(column, justify="right")
    for kind, measured in results.items():
        table.add_row(
            kind,
            f"{_median(measured, 'seconds'):.2f}",
            f"{_median(measured, 'peak_mb'):.0f}",
            f"{_median(measured, 'browser_mb'):.0f}",
        )
    console.print(table)
    warm, bare, cold = (_median(results[k], "seconds") for k in ("warm", "bare", "cold"))
    peak = max(_median(results[k], "peak_mb") for k in results)
    print(f"bench: warm/bare={warm / bare:.2f} cold-bare={cold - bare:.2f}s peak={peak:.0f}MB")


if __name__ == "__main__":
    _child(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]) if sys.argv[3] else None)
