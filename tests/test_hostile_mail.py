"""Hostile and broken input to `email` and `send` (docs/hostile-inputs.md, "Mail and sending, round two").

Each case ends in a correct result or an error in the editor's words, with `file:line:col` where
the value comes from YAML: never a traceback, and nothing sent twice or lost.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from issuepdf.cli import main
from issuepdf.content.errors import SendError, SettingsError
from issuepdf.content.settings import load_settings
from issuepdf.mail.draft import Draft, compose
from issuepdf.mail.recipients import read_recipients
from issuepdf.mail.send import execute
from issuepdf.mail.sendlog import History, SendLog, log_path
from issuepdf.pipeline.logs import WarningCounter

from .support.issues import MINIMAL
from .support.projects import make_project
from .test_send import SETTINGS, Inbox, people, plan, settings_for, smtp_server, unsubscribe_secret

__all__ = ["unsubscribe_secret"]  # the autouse fixture: every send here needs the secret

OTHER_EDITION = "0" * 64


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("hostile-mail"), SETTINGS, {"260": {"issue.yaml": MINIMAL}})


@pytest.fixture(scope="module")
def draft(project: Path) -> Draft:
    return compose(project / "issues" / "260")


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(arg) for arg in args])


def refused(result: Result) -> str:
    """The output of a command that failed the way an editor should see it: exit code 1, no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    return result.output


# --- addresses --------------------------------------------------------------------------------


def test_idn_domains_follow_idna_2008_not_2003(tmp_path: Path) -> None:
    subscribers = tmp_path / "subscribers.csv"
    subscribers.write_text("email\nuser@straße.de\nalpha@ς.gr\nbeta@σ.gr\nhong@한국.kr\n", encoding="utf-8")
    assert read_recipients(subscribers).addresses == [
        "user@xn--strae-oqa.de",  # IDNA 2003 made this strasse.de: someone else's domain
        "alpha@xn--3xa.gr",  # final sigma stays itself
        "beta@xn--4xa.gr",
        "hong@xn--3e0b707e.kr",
    ]


def test_a_cell_with_several_addresses_sends_to_each_and_lists_a_bad_one(tmp_path: Path) -> None:
    subscribers = tmp_path / "subscribers.csv"
    subscribers.write_text(
        "이름,이메일\n"
        '김,"kim@example.org, kim.home@example.org"\n'
        "이,lee@example.org; lee.home@example.org\n"
        '박,"""Park, Jiyoung"" <park@example.org>"\n'
        '최,"choi@example.org, choi@@example.org"\n'
        "정,jung@example.org, jung.home@example.org\n",  # typed without quotes: two CSV cells
        encoding="utf-8",
    )
    recipients = read_recipients(subscribers)
    assert recipients.addresses == [
        "kim@example.org",
        "kim.home@example.org",
        "lee@example.org",
        "lee.home@example.org",
        "park@example.org",
        "choi@example.org",
        "jung@example.org",
        "jung.home@example.org",
    ]
    assert [(bad.line, bad.text) for bad in recipients.invalid] == [(5, "choi@@example.org")]
    headless = tmp_path / "headless.csv"
    headless.write_text("kim@example.org,김민수\nlee@example.org, lee.home@example.org\n", encoding="utf-8")
    assert read_recipients(headless).addresses == ["kim@example.org", "lee@example.org", "lee.home@example.org"]


# --- line breaks in header values ---------------------------------------------------------------


def test_a_line_break_in_the_issue_title_is_refused_at_its_place_before_building(tmp_path: Path) -> None:
    yaml = MINIMAL.replace("title: 주간 중국 창업\n", 'title: "주간 중국\\r\\n창업"\n', 1)
    project = make_project(tmp_path / "p", issues={"260": {"issue.yaml": yaml}})
    output = refused(run("email", project / "issues" / "260"))
    assert "issue.yaml:1:8: title: must be one line, without line breaks or control characters (found '\\r')" in output
    assert "the email subject ({title} 제{number}호 ({date:%Y.%m.%d})) uses it" in output
    assert not (project / "issues" / "260" / "out").exists()  # refused before the build


@pytest.mark.parametrize(
    ("settings", "issue_email", "expected"),
    [
        (
            'email:\n  list_id: "news.example.org\\r\\nBcc: all@example.org"\n',
            "",
            "issuepdf.yaml:2:12: email.list_id: must be one line",
        ),
        ("", 'email:\n  subject: "특집\\n{title}"\n', "issue.yaml:13:12: email.subject: must be one line"),
        (
            'email:\n  sender: "KIC\\n중국 <news@example.org>"\n',
            "",
            "issuepdf.yaml:2:11: email.sender: must be one line",
        ),
    ],
    ids=["list_id", "subject", "sender"],
)
def test_a_line_break_in_a_header_setting_is_refused_with_its_position(
    tmp_path: Path, settings: str, issue_email: str, expected: str
) -> None:
    project = make_project(tmp_path / "p", settings, {"260": {"issue.yaml": MINIMAL + issue_email}})
    assert expected in refused(run("email", project / "issues" / "260"))


# --- templates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("{title:>300000000}", "{title:>300000000}: only {date} takes a format"),
        ("{date:%300000000Y}", "{date:%300000000Y}: a date format may use only %Y"),
        ("{title!r}", "{title!r}: no !r conversion is allowed"),
        ("{title.__class__}", "{title.__class__} is not a field"),
        ("{title[0]}", "{title[0]} is not a field"),
        ("{0}", "{0} is not a field"),
        ("{date:{title}}", "{date:{title}}: a date format may use only"),
        ("{title", "expected '}' before end of string"),
    ],
)
def test_a_template_takes_only_the_fields_and_a_plain_date_format(tmp_path: Path, template: str, reason: str) -> None:
    project = make_project(tmp_path / "p", f"email:\n  subject: '{template}'\n", {"260": {"issue.yaml": MINIMAL}})
    with pytest.raises(SettingsError) as raised:
        load_settings(project / "issues" / "260")
    [message] = raised.value.messages
    assert f"issuepdf.yaml:2:12: email.subject: not a valid template ({reason}" in message
    assert message.endswith("use {title}, {number}, {date} (e.g. {date:%Y.%m.%d}) and {publisher}")


def test_a_date_without_leading_zeros_is_a_valid_template(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", "email:\n  subject: '{title} {date:%-m월 %-d일} {{특집}}'\n")
    (project / "issues").mkdir()
    assert load_settings(project / "issues").email.subject == "{title} {date:%-m월 %-d일} {{특집}}"


# --- the send log ------------------------------------------------------------------------------

BATCH = {"event": "batch", "batch": 1, "recipients": ["kim@x.org", "lee@x.org"]}
RESULT = {"event": "result", "batch": 1, "delivered": ["kim@x.org", "lee@x.org"]}


def write_log(path: Path, *lines: dict[str, Any] | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = [
        line if isinstance(line, bytes) else json.dumps(line, ensure_ascii=False).encode() + b"\n" for line in lines
    ]
    path.write_bytes(b"".join(data))
    return path


@pytest.mark.expect_warnings
def test_a_last_line_torn_inside_a_character_is_skipped_with_a_warning(
    tmp_path: Path, no_unexpected_warnings: WarningCounter
) -> None:
    torn = json.dumps({"event": "batch", "batch": 2, "recipients": ["한국@x.org"]}, ensure_ascii=False).encode()
    log = write_log(tmp_path / "260.jsonl", BATCH, RESULT, torn[: torn.index("국".encode()) + 1])
    history = History.read(log)
    assert history.delivered == {"kim@x.org", "lee@x.org"} and history.batches == 1
    assert no_unexpected_warnings.messages == [
        f"issuepdf: {log}:3: the last line was cut off (a run stopped while writing it); ignored"
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"[1, 2]\n", "Input should be an object"),
        (b"42\n", "Input should be an object"),
        (b'{"event": "batch", "batch": 2}\n', "batch.recipients: Field required"),
        (b'{"event": "result", "batch": 2, "refused": {"a@x.org": 550}}\n', "result.refused.a@x.org: Input should be"),
        (b'{"event": "sent", "batch": 2}\n', "Input tag 'sent' found using 'event' does not match"),
        ('{"event": "batch", "batch": 2, "recipients": ["한'.encode()[:-1] + b"\n", "Invalid JSON"),
    ],
    ids=["list", "number", "missing-key", "wrong-type", "unknown-event", "half-a-character"],
)
def test_a_damaged_line_before_the_last_is_refused_with_file_and_line(tmp_path: Path, line: bytes, reason: str) -> None:
    log = write_log(tmp_path / "260.jsonl", BATCH, line, RESULT)
    with pytest.raises(SendError) as raised:
        History.read(log)
    assert str(raised.value).startswith(f"{log}:2: damaged send log ({reason}")
    assert str(raised.value).endswith("; fix or remove that line")


def test_a_whole_last_line_without_its_line_end_is_kept(tmp_path: Path) -> None:
    log = write_log(tmp_path / "260.jsonl", BATCH, json.dumps(RESULT).encode())
    assert History.read(log).delivered == {"kim@x.org", "lee@x.org"}
    sending = SendLog(log)  # ends the line, so the next record starts on its own
    try:
        sending.record({"event": "batch", "batch": 2, "recipients": ["park@x.org"]})
    finally:
        sending.close()
    history = History.read(log)
    assert history.delivered == {"kim@x.org", "lee@x.org"} and history.uncertain == {"park@x.org"}


def failing_write(after: int) -> Callable[[int, bytes], int]:
    """os.write that fails like a full disk on regular files, after `after` writes went through.

    The failing write puts half its bytes in the file first, as a disk filling up mid-record does.
    """
    real, writes = os.write, []

    def write(fd: int, data: bytes) -> int:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            writes.append(fd)
            if len(writes) > after:
                real(fd, data[: len(data) // 2])
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, data)

    return write


def test_a_full_disk_before_the_first_message_stops_before_anything_goes_out(
    draft: Draft, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log, inbox = tmp_path / "260.jsonl", Inbox()
    with smtp_server(inbox) as port:
        monkeypatch.setattr(os, "write", failing_write(after=0))
        with pytest.raises(SendError) as raised:
            execute(plan(draft, settings_for(draft, port), people(5), log))
    assert str(raised.value) == (
        f"cannot write the send log {log}: No space left on device; stopped before message 1, which was not sent"
    )
    assert raised.value.messages[0] == "sent 0 message(s): 0 delivered, 0 refused"
    assert "not sent yet: 5; run the same command again to send them" in raised.value.messages
    assert inbox.messages == [] and History.read(log).batches == 0  # the half-written record was cut off


def test_a_full_disk_after_a_message_went_out_holds_it_back_as_uncertain(
    draft: Draft, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log, inbox = tmp_path / "260.jsonl", Inbox()
    with smtp_server(inbox) as port:
        settings = settings_for(draft, port)
        with monkeypatch.context() as patched, pytest.raises(SendError) as raised:
            patched.setattr(os, "write", failing_write(after=1))  # the first message's record only
            execute(plan(draft, settings, people(3), log))
        resumed = plan(draft, settings, people(3), log)
        execute(resumed)
    assert str(raised.value) == (
        f"cannot write the send log {log}: No space left on device; stopped after message 1 went out: the log "
        f"lacks its outcome, so the next run holds {people(1)[0]} back as uncertain (--retry-uncertain sends it)"
    )
    assert raised.value.messages[0] == "sent 1 message(s): 1 delivered, 0 refused"
    assert "not sent yet: 2; run the same command again to send them" in raised.value.messages  # 2 was not sent
    assert resumed.held == people(3)[:1] and resumed.todo == people(3)[1:]
    assert inbox.recipients() == people(3)  # nobody twice


def test_a_full_disk_after_the_last_message_holds_it_back_as_uncertain(
    draft: Draft, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log, inbox = tmp_path / "260.jsonl", Inbox()
    with smtp_server(inbox) as port:
        monkeypatch.setattr(os, "write", failing_write(after=2))  # both messages' records, not the last outcome
        with pytest.raises(SendError) as raised:
            execute(plan(draft, settings_for(draft, port), people(2), log))
    assert str(raised.value).endswith(
        f"stopped after message 2 went out: the log lacks its outcome, so the next run "
        f"holds {people(2)[1]} back as uncertain (--retry-uncertain sends it)"
    )
    assert raised.value.messages[0] == "sent 2 message(s): 2 delivered, 0 refused"
    assert not any(line.startswith("not sent yet") for line in raised.value.messages)
    history = History.read(log)
    assert (history.delivered, history.uncertain) == ({people(2)[0]}, {people(2)[1]})


# --- a changed edition ---------------------------------------------------------------------------


def test_resuming_with_a_changed_pdf_is_refused_unless_new_edition(draft: Draft, tmp_path: Path) -> None:
    log = write_log(
        tmp_path / "260.jsonl",
        {"event": "batch", "batch": 1, "pdf_sha256": OTHER_EDITION, "recipients": people(2)},
        {"event": "result", "batch": 1, "delivered": people(2)},
    )
    inbox = Inbox()
    with smtp_server(inbox) as port:
        settings = settings_for(draft, port)
        stopped = plan(draft, settings, people(4), log)
        with pytest.raises(SendError, match=r"^nothing was sent: the email PDF changed since the issue was first sent"):
            execute(stopped)
        assert inbox.messages == []
        resumed = plan(draft, settings, people(4), log, new_edition=True)
        execute(resumed)
    dry = stopped.describe(dry_run=True)
    assert "edition sha256 000000000000… (earlier) went to 2 address(es)" in dry
    assert dry[dry.index("edition sha256 000000000000… (earlier) went to 2 address(es)") + 1] == f"  {people(1)[0]}"
    assert f"edition sha256 {stopped.pdf_sha256[:12]}… (this PDF) goes to the rest" in dry
    assert dry[-2].startswith("cannot send: the email PDF changed since the issue was first sent: 2 address(es)")
    assert "add --new-edition to send the rest this one" in dry[-2]
    assert not any(line.startswith("cannot send") for line in resumed.describe(dry_run=True))
    assert inbox.recipients() == people(4)[2:]
    last_batch = json.loads(log.read_text(encoding="utf-8").splitlines()[-2])
    assert last_batch["pdf_sha256"] == resumed.pdf_sha256 and last_batch["earlier_pdf_sha256"] == [OTHER_EDITION]
    assert History.read(log).other_editions(resumed.pdf_sha256) == {OTHER_EDITION: people(2)}


def test_send_command_takes_new_edition(project: Path, tmp_path: Path) -> None:
    issue = project / "issues" / "260"
    subscribers = tmp_path / "subscribers.csv"
    subscribers.write_text("email\n" + "\n".join(people(3)) + "\n", encoding="utf-8")
    log = write_log(
        log_path(issue, 260),
        {"event": "batch", "batch": 1, "pdf_sha256": OTHER_EDITION, "recipients": people(1)},
        {"event": "result", "batch": 1, "delivered": people(1)},
    )
    inbox = Inbox()
    try:
        with smtp_server(inbox) as port:
            smtp = f"smtp:\n  host: 127.0.0.1\n  port: {port}\n  security: none\n"
            (project / "issuepdf.yaml").write_text(SETTINGS + smtp, encoding="utf-8")
            args = ["send", issue, "--to", subscribers, "--send"]
            output = refused(run(*args))
            sent = run(*args, "--new-edition")
    finally:
        log.unlink()
        (project / "issuepdf.yaml").write_text(SETTINGS, encoding="utf-8")
    assert "error: nothing was sent: the email PDF changed since the issue was first sent" in output
    assert sent.exit_code == 0, sent.output
    assert inbox.recipients() == people(3)[1:]


# --- the PDF and its draft together ------------------------------------------------------------


def test_a_full_disk_on_the_draft_keeps_the_earlier_pdf_too(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "issue-260-email.pdf").write_bytes(b"earlier pdf")
    (out / "issue-260-email.eml").write_bytes(b"earlier eml")
    real = os.replace

    def replace(source: Any, target: Any) -> None:
        if Path(target) == out / "issue-260-email.eml":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(source, target)

    monkeypatch.setattr(os, "replace", replace)
    output = refused(run("email", project / "issues" / "260", "--out", out))
    assert f"cannot write {out / 'issue-260-email.eml'}: No space left on device; the earlier files are unchanged" in (
        output
    )
    assert (out / "issue-260-email.pdf").read_bytes() == b"earlier pdf"
    assert (out / "issue-260-email.eml").read_bytes() == b"earlier eml"
    assert sorted(path.name for path in out.iterdir()) == ["issue-260-email.eml", "issue-260-email.pdf"]
