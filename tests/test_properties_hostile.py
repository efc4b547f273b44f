"""Property-based hostile input: random bytes and odd-but-plausible YAML, CSV, SVG and PDF attachments
fed to `check`, `build`, `extract` and the subscriber reader. Whatever comes in: no traceback reaches
the user (exit code 0 or 1 with a message), every run ends within its bound, and no file outside the
test's folder (and the project's layouts, fonts and the Python installation) is opened, for reading
or writing: an audit hook on `open` watches every Python-level open while the commands run."""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import weasyprint  # noqa: F401  (loading its C libraries probes the linker with temporary files: once, before the guard)
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from issuepdf.cli import main
from issuepdf.content.errors import IssuepdfError
from issuepdf.content.paths import SOURCE_ROOT
from issuepdf.mail.recipients import read_recipients

from .support.issues import MINIMAL

pytestmark = pytest.mark.expect_warnings  # hostile input may well deserve a warning; these tests are about tracebacks

BOUND_S = 60
"""Longest any one command may take on hostile input (a build of a small issue takes ~2 s)."""
YAMLISH = "가나다 창업:#*&!%@`[]{}|>'\"\t,-?\\\n 0123456789abc"
"""Characters that mean something to YAML, Markdown or CSV, among Korean text."""

_opened: list[tuple[str, str]] | None = None


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _opened is not None and event == "open" and isinstance(args[0], str | Path):
        _opened.append((str(args[0]), str(args[1])))


sys.addaudithook(_audit)


@contextmanager
def only_inside(folder: Path) -> Iterator[None]:
    """Fail if the block opens a file outside `folder`, the project's layouts and fonts, or Python's own."""
    global _opened
    _opened = []
    try:
        yield
    finally:
        opened, _opened = _opened, None
    allowed = [
        folder.resolve(),
        SOURCE_ROOT / "layouts",
        SOURCE_ROOT / "fonts",
        SOURCE_ROOT / "src",
        SOURCE_ROOT / ".pytest_cache",  # XDG_CACHE_HOME of the tests (compiled templates)
        Path(sys.prefix).resolve(),
        Path(sys.base_prefix).resolve(),
        Path("/dev"),
        Path("/proc"),
        Path("/etc"),  # mime.types, localtime: read only, checked below
        Path("/usr/share"),
    ]
    for name, mode in opened:
        path = Path(name).resolve() if not name.isdigit() else folder
        assert any(path.is_relative_to(root) for root in allowed), f"opened {path} ({mode})"
        if any(flag in mode for flag in "wax+"):
            assert path.is_relative_to(folder.resolve()) or path.is_relative_to(SOURCE_ROOT / ".pytest_cache"), path


def run(*args: str) -> tuple[int, str]:
    """Run the CLI as an editor would; return its exit code and everything it printed."""
    start = time.perf_counter()
    result = CliRunner().invoke(main, list(args))
    assert time.perf_counter() - start < BOUND_S, f"{args} took too long"
    output = result.output + (result.stderr if result.stderr_bytes else "")
    if result.exception and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{args}: {type(result.exception).__name__}: {result.exception}") from result.exception
    assert "Traceback" not in output, output
    assert result.exit_code in (0, 1), (result.exit_code, output)
    return result.exit_code, output


HOSTILE = settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))


@HOSTILE
@given(data=st.binary(max_size=3000))
def test_random_bytes_as_issue_yaml(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    issue = tmp_path_factory.mktemp("bytes") / "260"
    issue.mkdir()
    (issue / "issue.yaml").write_bytes(data)
    with only_inside(issue.parent):
        code, output = run("check", str(issue))
    assert code == 1 and "error:" in output


@HOSTILE
@given(text=st.text(alphabet=YAMLISH, min_size=1, max_size=80))
def test_odd_paragraphs_check_and_build(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    """A paragraph line as an editor might type it, unquoted: YAML, Markdown and the layout all see it."""
    issue = tmp_path_factory.mktemp("odd") / "260"
    issue.mkdir()
    (issue / "issue.yaml").write_text(MINIMAL + f"          - {text}\n", encoding="utf-8")
    with only_inside(issue.parent):
        code, output = run("check", str(issue))
        if code == 0:
            code, output = run("build", str(issue))
    assert code == 0 or "error:" in output


@HOSTILE
@given(csv=st.binary(max_size=400) | st.text(alphabet='가나,."\n -1234567890e', max_size=120).map(str.encode))
def test_odd_chart_data(tmp_path_factory: pytest.TempPathFactory, csv: bytes) -> None:
    issue = tmp_path_factory.mktemp("csv") / "260"
    files = {
        "issue.yaml": MINIMAL + "          - chart: c.yaml\n            alt: 차트\n",
        "c.yaml": "type: bar\ncsv: c.csv\n",
    }
    issue.mkdir()
    for name, content in files.items():
        (issue / name).write_text(content, encoding="utf-8")
    (issue / "c.csv").write_bytes(csv)
    with only_inside(issue.parent):
        run("check", str(issue))


@HOSTILE
@given(
    svg=st.binary(max_size=500)
    | st.sampled_from(
        [
            b"<svg/>",
            b"<svg xmlns='http://www.w3.org/2000/svg'><use href='#a' id='a'/></svg>",
            b"<!DOCTYPE svg [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;&a;'>]><svg>&b;</svg>",
        ]
    )
)
def test_odd_svg_photos(tmp_path_factory: pytest.TempPathFactory, svg: bytes) -> None:
    issue = tmp_path_factory.mktemp("svg") / "260"
    issue.mkdir()
    (issue / "issue.yaml").write_text(MINIMAL + "          - photo: p.svg\n            alt: 그림\n", encoding="utf-8")
    (issue / "p.svg").write_bytes(svg)
    with only_inside(issue.parent):
        code, _ = run("check", str(issue))
        if code == 0:
            run("build", str(issue))


def _pdf_with(attachments: dict[str, bytes]) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    for name, data in attachments.items():
        writer.add_attachment(name, data)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


names = st.text(alphabet="ab./\\_-가:~ \x00\n", min_size=1, max_size=20)


@HOSTILE
@given(
    pdf=st.binary(max_size=2000)
    | st.dictionaries(names, st.binary(max_size=200), min_size=1, max_size=3).map(_pdf_with)
)
def test_odd_pdfs_to_extract(tmp_path_factory: pytest.TempPathFactory, pdf: bytes) -> None:
    folder = tmp_path_factory.mktemp("extract")
    (folder / "in.pdf").write_bytes(pdf)
    with only_inside(folder):
        code, output = run("extract", str(folder / "in.pdf"), str(folder / "out"))
    assert code == 1 or (folder / "out").is_dir()
    assert code == 0 or not (folder / "out").exists() or not any((folder / "out").iterdir()), output


@HOSTILE
@given(data=st.binary(max_size=500) | st.text(alphabet='a@x.kr,;"\n 가<>', max_size=120).map(str.encode))
def test_odd_subscriber_lists(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    folder = tmp_path_factory.mktemp("send")
    (folder / "subscribers.csv").write_bytes(data)
    with only_inside(folder), suppress(IssuepdfError):
        read_recipients(folder / "subscribers.csv")


def test_the_audit_hook_sees_an_outside_read(tmp_path: Path) -> None:
    """The guard itself: a read outside the folder fails the test (so the tests above can fail)."""
    outside = tmp_path / "outside.txt"
    outside.write_text("x", encoding="utf-8")
    inner = tmp_path / "inner"
    inner.mkdir()
    with pytest.raises(AssertionError, match="opened"), only_inside(inner):
        outside.read_text(encoding="utf-8")
