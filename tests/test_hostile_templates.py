"""An issue's own layout templates are untrusted code: whatever they do, the build ends soon with a
message at the template's line, and the machine keeps its memory. Rows T1-T9 of docs/hostile-inputs.md."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from issuepdf.content.errors import IssuepdfError, TemplateFailure
from issuepdf.pipeline import render
from issuepdf.pipeline.build import build
from issuepdf.web.site import build_site

from .support.issues import MakeIssue


def told(make_issue: MakeIssue, template: str) -> str:
    """What the editor is told when the issue's `layouts/base.html` is `template`."""
    issue = make_issue({"layouts/base.html": f"<html><body>{template}</body></html>"})
    with pytest.raises(IssuepdfError) as caught:
        build(issue)
    assert not (issue / "out").exists()
    return str(caught.value)


@pytest.mark.parametrize(
    "template",
    ['{{ "x" * 10**10 }}', '{{ "{:>5000000000}".format(1) }}', "{{ range(100000)|join('x' * 100000) }}"],
    ids=["repeat", "format-width", "join"],
)
def test_a_template_that_takes_gigabytes_is_stopped(make_issue: MakeIssue, template: str) -> None:
    message = told(make_issue, template)  # was: MemoryError traceback, or the machine out of memory
    assert "base.html:1:1: the layout templates took more than 1,024 MB of memory and were stopped" in message


def test_huge_integer_arithmetic_is_refused_before_it_starts(make_issue: MakeIssue) -> None:
    start = time.perf_counter()
    message = told(make_issue, "{% set a = 9 %}{{ a**(a**a) }}")  # one step of minutes, past any alarm
    assert "not allowed in a layout template ('**' would make a number of 1,549,681,956 bits" in message
    assert time.perf_counter() - start < 10


def test_a_macro_calling_itself_is_stopped(make_issue: MakeIssue) -> None:
    message = told(make_issue, "{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}")
    assert "base.html:1:1: a macro or include calls itself without end; refused" in message


def test_an_endless_loop_is_stopped_at_the_deadline(make_issue: MakeIssue, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "TEMPLATE_TIMEOUT_S", 0.5)
    start = time.perf_counter()
    loops = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    message = told(make_issue, loops)  # was: 10^10 steps, hours
    assert "the layout templates took longer than 0.5 s and were stopped" in message
    assert time.perf_counter() - start < 20


@pytest.mark.parametrize(
    ("template", "said"),
    [
        ("{{ 1 / 0 }}", "ZeroDivisionError: division by zero"),
        ("{{ '%d' % 'x' }}", "TypeError: %d format: a real number is required, not str"),
        ("{{ [1][5] }}", "template error: "),
    ],
)
def test_an_error_inside_a_template_is_a_message_at_its_line(make_issue: MakeIssue, template: str, said: str) -> None:
    message = told(make_issue, template)  # was: a Python traceback
    assert "base.html:1:1: template error: " in message and said in message


def test_the_memory_cap_is_lifted_after_the_render(make_issue: MakeIssue) -> None:
    import resource

    before = resource.getrlimit(resource.RLIMIT_AS)
    told(make_issue, '{{ "x" * 10**10 }}')
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    assert len(bytearray(2 << 30)) == 2 << 30  # the process may take more than the cap again


def test_a_plain_issue_still_renders_under_the_bounds(make_issue: MakeIssue) -> None:
    result = build(make_issue())
    assert not result.warnings and result.pdf.read_bytes().startswith(b"%PDF")


READ_ANY_FILE = (
    "{{% for k, s in doc.sources.items() %}}"
    "{{{{ s.position.file.parent.parent.joinpath({name!r}).{call} }}}}{{% endfor %}}"
)
"""A template reaching a file through the Path of a block's position (the issue folder's parent)."""


@pytest.mark.parametrize(
    ("call", "refused_name"),
    [("read_text()", "joinpath"), ("write_text('x')", "joinpath")],
    ids=["read", "write"],
)
def test_a_template_cannot_reach_files_through_a_path_in_the_data(
    make_issue: MakeIssue, tmp_path: Path, call: str, refused_name: str
) -> None:
    (tmp_path / "secret.txt").write_text("CANARY-3b7f", encoding="utf-8")
    cover = READ_ANY_FILE.format(name="secret.txt" if "read" in call else "written.txt", call=call)
    issue = make_issue({"layouts/cover.html": f'<section class="cover">{cover}</section>'})
    with pytest.raises(IssuepdfError) as caught:
        build(issue)  # was: the secret printed on the cover, or a file written anywhere
    assert f"cover.html:1:1: not allowed in a layout template (access to attribute '{refused_name}'" in str(
        caught.value
    )
    assert "CANARY" not in str(caught.value) and not (tmp_path / "written.txt").exists()


def test_a_template_cannot_call_pydantic_to_read_a_file(make_issue: MakeIssue, tmp_path: Path) -> None:
    (tmp_path / "secret.json").write_text('{"title": "CANARY-3b7f"}', encoding="utf-8")
    message = told(make_issue, f"{{{{ issue.parse_file({str(tmp_path / 'secret.json')!r}) }}}}")
    assert "access to attribute 'parse_file' of 'Issue' object is unsafe" in message  # was: the file read


def test_a_huge_template_is_refused_before_it_is_read(make_issue: MakeIssue) -> None:
    issue = make_issue({"layouts/cover.html": "x"})
    with (issue / "layouts" / "cover.html").open("r+b") as handle:
        handle.truncate(10**10)  # sparse: 10 GB that take no disk
    with pytest.raises(IssuepdfError) as caught:
        build(issue)  # was: read whole, then compiled
    assert "template error: cover.html is 10,000,000,000 bytes; the limit is 1,000,000" in str(caught.value)


def test_a_web_template_runs_under_the_same_bounds(make_issue: MakeIssue) -> None:
    issue = make_issue({"layouts/web/issue.html": '{{ "x" * 10**10 }}'})
    with pytest.raises(TemplateFailure) as caught:
        build_site(issue)  # was: a MemoryError traceback, or the machine out of memory
    assert "issue.html:1:1: the layout templates took more than 1,024 MB of memory" in str(caught.value)
    assert not (issue / "out" / "web").exists()


def test_a_program_started_while_a_template_renders_does_not_keep_the_memory_cap() -> None:
    """The cap is process-wide: `serve` may start the editor from another thread while the build thread
    renders templates, and the editor would have kept the cap for good."""
    import resource
    import subprocess
    import sys

    from issuepdf.pipeline.typeset import memory_cap, uncapped_child

    ask = [sys.executable, "-c", "import resource; print(resource.getrlimit(resource.RLIMIT_AS)[0])"]
    before = resource.getrlimit(resource.RLIMIT_AS)[0]
    with memory_cap(1 << 30):
        capped = int(subprocess.run(ask, capture_output=True, text=True, check=True).stdout)
        lifted = int(subprocess.run(ask, capture_output=True, text=True, check=True, preexec_fn=uncapped_child).stdout)
    assert capped != before and lifted == before
