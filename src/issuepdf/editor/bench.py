"""`issuepdf bench`: how long builds take and how much memory they need, for the targets we keep.

- `issuepdf bench ISSUE_DIR`: cold (browser start and every chart), warm (charts cached) and bare
  WeasyPrint on the same HTML; last line `bench: warm/bare=… cold-bare=…s peak=…MB loose2x=… loose3x=… fill75=…`.
- `issuepdf bench`: the suite, for issues/260 and a generated issue ten times as long: cold, warm,
  incremental (one paragraph changed, in a watch session), preview (one paragraph changed, until
  `issuepdf serve` serves the changed page's image) and bare; last line
  `bench: warm/bare=… incr/warm=… preview/bare=… p300/p30=… peak300=…MB loose2x=… loose3x=… fill75=…`.

Each measurement runs in a fresh process (a clean interpreter, nothing warm in memory) and reports
its own wall time and peak RSS; the tables show medians, since machines here are shared and noisy.
"""

from __future__ import annotations

import json
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

from ..content.errors import IssuepdfError
from ..content.paths import project_root

Measured = dict[str, float]
LARGE_COPIES = 10
"""The generated long issue repeats every section of the sample this many times (~300 pages)."""
PREVIEW_EDITS = 5
"""Edits per preview session; the measurement is their median."""


def _measure_in_child(kind: str, issue_dir: Path, html: Path | None = None) -> Measured:
    args = [sys.executable, "-m", __spec__.name, kind, str(issue_dir), str(html or "")]  # this module, wherever it is
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise IssuepdfError(f"bench {kind} run failed:\n{done.stderr.strip()[-2000:]}")
    measured: Measured = json.loads(done.stdout.strip().splitlines()[-1])
    return measured


def _child(kind: str, issue_dir: Path, html: Path | None) -> None:
    """Run one measurement in this process and print it as JSON."""
    import resource

    if kind == "incremental":
        seconds = _incremental(issue_dir)
    elif kind == "preview":
        seconds = _preview(issue_dir)
    else:
        start = time.perf_counter()
        if kind == "bare":
            _bare_weasyprint(issue_dir, html)
        else:
            from ..pipeline.build import build

            build(issue_dir, output=issue_dir / "out" / "bench.pdf")
        seconds = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if kind == "preview":  # the server is the child; this process only watched it
        own, children = children, 0
    print(json.dumps({"seconds": seconds, "peak_mb": own, "children_mb": children}))


def _incremental(issue_dir: Path) -> float:
    """The second build of a watch session, after one paragraph of the first article changed."""
    from ..pipeline.build import build
    from ..pipeline.incremental import Session

    session = Session()
    build(issue_dir, output=issue_dir / "out" / "bench.pdf", session=session)
    _change_one_paragraph(issue_dir)
    start = time.perf_counter()
    build(issue_dir, output=issue_dir / "out" / "bench.pdf", session=session)
    return time.perf_counter() - start


def _preview(issue_dir: Path, edits: int = PREVIEW_EDITS) -> float:
    """Median time from saving a one-paragraph change to `issuepdf serve` serving the first changed page's
    image, over several edits in one session; read as a browser does, from the server's event stream.

    The server runs in a process of its own, as it does for an editor: in this one, reading the image
    waited for the interpreter while the build went on writing the PDF (20 ms of a 0.15 s preview)."""
    import urllib.request

    command = [sys.executable, "-m", "issuepdf", "serve", str(issue_dir), "--port", "0"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = _served_url(server)
        with urllib.request.urlopen(url + "events") as events:
            _next_state(events, lambda state: state["status"] == "ok")
            seconds = []
            for _ in range(edits):
                start = time.perf_counter()
                _change_one_paragraph(issue_dir)
                state = _next_state(events, lambda state: bool(state["changed"]))
                first = state["pages"][state["changed"][0]]["v"]
                urllib.request.urlopen(f"{url}page/{first}.png").read()
                seconds.append(time.perf_counter() - start)
                _next_state(events, lambda state: state["status"] != "building")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    return statistics.median(seconds)


def _served_url(server: subprocess.Popen[str]) -> str:
    """The address `issuepdf serve` says it serves on (its first line)."""
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line.startswith("serving "):
        raise IssuepdfError(f"bench preview: issuepdf serve did not start: {line.strip()}")
    return line.split()[1]


def _next_state(events: Any, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The next state sent by serve's event stream that is `wanted`."""
    for line in events:
        if line.startswith(b"data: "):
            state: dict[str, Any] = json.loads(line[6:])
            if state["status"] == "failed":
                raise IssuepdfError(f"bench preview: the build failed: {state['problems']}")
            if wanted(state):
                return state
    raise IssuepdfError("bench preview: the server closed its event stream")


def _change_one_paragraph(issue_dir: Path) -> None:
    """Edit the first sentence end (`다.`) of the first article file, as an editor fixing a typo would."""
    for path in sorted((issue_dir / "articles").glob("*.yaml")) or [issue_dir / "issue.yaml"]:
        text = path.read_text(encoding="utf-8")
        if "다." in text:
            path.write_text(text.replace("다.", "다(수정).", 1), encoding="utf-8")
            return
    raise IssuepdfError(f"bench: found no sentence to change in {issue_dir}")


def _bare_weasyprint(issue_dir: Path, html: Path | None) -> None:
    """WeasyPrint alone on the HTML a build typesets: the floor a build is compared with."""
    from ..content.fonts import use_project_fonts

    use_project_fonts(project_root(issue_dir) / "fonts")
    import weasyprint

    assert html is not None
    document = weasyprint.HTML(filename=str(html), base_url=issue_dir.resolve().as_uri() + "/")
    document.write_pdf(issue_dir / "out" / "bench-bare.pdf")


def _median(runs: list[Measured], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def _copy(issue_dir: Path, target: Path) -> Path:
    shutil.copytree(issue_dir, target, ignore=shutil.ignore_patterns(".cache", "out"))
    return target


def generate_long_issue(issue_dir: Path, target: Path, copies: int = LARGE_COPIES) -> Path:
    """A copy of an issue with every section repeated `copies` times (new titles, and each copy of an included
    article a file of its own: an issue may include a file once)."""
    _copy(issue_dir, target)
    data = yaml.safe_load((target / "issue.yaml").read_text(encoding="utf-8"))
    data["sections"] = [
        {**section, "title": f"{section['title']} ({copy + 1})", "articles": _copied(target, section, copy)}
        for copy in range(copies)
        for section in data["sections"]
    ]
    (target / "issue.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def _copied(issue_dir: Path, section: dict[str, Any], copy: int) -> list[Any]:
    """The section's articles for the given copy: copy 0 as they are, later copies from copied files."""
    articles = []
    for article in section["articles"]:
        if copy and isinstance(article, dict) and "include" in article:
            original = Path(article["include"])
            name = original.with_name(f"{original.stem}-{copy + 1}{original.suffix}")
            shutil.copyfile(issue_dir / original, issue_dir / name)
            article = {"include": name.as_posix()}
        articles.append(article)
    return articles


def measure(issue_dir: Path, runs: int, kinds: tuple[str, ...], workdir: Path) -> dict[str, list[Measured]]:
    """Median-ready measurements of each kind, every run in a fresh process on a fresh copy."""
    from ..pipeline.build import build

    work = _copy(issue_dir, workdir / "issue")
    html = workdir / "issue.html"
    results: dict[str, list[Measured]] = {kind: [] for kind in kinds}
    if "cold" in kinds:
        for _ in range(runs):
            shutil.rmtree(work / ".cache", ignore_errors=True)
            results["cold"].append(_measure_in_child("cold", work))
    build(work, output=work / "out" / "bench.pdf", html_output=html)
    for _ in range(runs):
        for kind in kinds:
            if kind in ("incremental", "preview"):
                copy = _copy(work, workdir / f"{kind}-{len(results[kind])}")
                results[kind].append(_measure_in_child(kind, copy))
            elif kind != "cold":
                results[kind].append(_measure_in_child(kind, work, html))
    return results


def _table(title: str, results: dict[str, list[Measured]]) -> Table:
    table = Table(title=title)
    for column in ("run", "seconds (median)", "peak MB", "browser MB"):
        table.add_column(column, justify="right")
    for kind, measured in results.items():
        table.add_row(
            kind,
            f"{_median(measured, 'seconds'):.2f}",
            f"{_median(measured, 'peak_mb'):.0f}",
            f"{_median(measured, 'children_mb'):.0f}" if kind == "cold" else "",
        )
    return table


def bench(issue_dir: Path, runs: int = 3) -> None:
    """One issue: print the table and `bench: warm/bare=… cold-bare=…s peak=…MB`."""
    with tempfile.TemporaryDirectory(prefix="issuepdf-bench-") as tmp:
        results = measure(issue_dir, runs, ("cold", "warm", "bare"), Path(tmp))
    Console().print(_table(f"issuepdf bench: {issue_dir} (median of {runs})", results))
    warm, bare, cold = (_median(results[k], "seconds") for k in ("warm", "bare", "cold"))
    peak = max(_median(results[k], "peak_mb") for k in results)
    print(f"bench: warm/bare={warm / bare:.2f} cold-bare={cold - bare:.2f}s peak={peak:.0f}MB {_figures(issue_dir)}")


def bench_suite(runs: int = 3) -> None:
    """The sample issue and a generated one ten times as long; the targets' ratios on the last line."""
    sample = project_root(Path.cwd()) / "issues" / "260"
    if not (sample / "issue.yaml").is_file():
        raise IssuepdfError(f"bench: the sample issue {sample} is missing; run it in the project folder")
    kinds = ("cold", "warm", "incremental", "preview", "bare")
    console = Console()
    with tempfile.TemporaryDirectory(prefix="issuepdf-bench-") as tmp:
        small = measure(sample, runs, kinds, Path(tmp) / "p30")
        console.print(_table(f"issues/260 (median of {runs})", small))
        long_issue = generate_long_issue(sample, Path(tmp) / "long")
        large = measure(long_issue, runs, kinds, Path(tmp) / "p300")
        console.print(_table(f"generated issue, {LARGE_COPIES}× issues/260 (median of {runs})", large))
    warm, bare, incr, preview = (_median(small[k], "seconds") for k in ("warm", "bare", "incremental", "preview"))
    ratio = _median(large["warm"], "seconds") / warm
    peak = _median(large["warm"], "peak_mb")
    preview300 = _median(large["preview"], "seconds") / _median(large["bare"], "seconds")
    print(f"preview/bare on the {LARGE_COPIES}x issue: {preview300:.2f}")
    print(
        f"bench: warm/bare={warm / bare:.2f} incr/warm={incr / warm:.2f} preview/bare={preview / bare:.2f}"
        f" p300/p30={ratio:.1f} peak300={peak:.0f}MB {_figures(sample)}"
    )


def _figures(issue_dir: Path) -> str:
    """The issue's typographic figures (`loose2x=… loose3x=… fill75=…`, editor/preflight.py), tracked here."""
    from .preflight import page_figures

    return page_figures(issue_dir)


if __name__ == "__main__":
    _child(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]) if sys.argv[3] else None)
