"""The email edition and its draft: size budget, camera photos, a message mail tools read cleanly."""

from __future__ import annotations

import shutil
import subprocess
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest
from click.testing import CliRunner

from issuepdf.cli import main
from issuepdf.content.errors import InvalidIssue, OverBudget, SettingsError
from issuepdf.content.settings import load_settings
from issuepdf.mail.draft import Draft, compose, largest_images
from issuepdf.mail.letter import content_disposition
from issuepdf.pipeline.build import check_issue
from issuepdf.pipeline.editions import PLANS, render_options

from .support.issues import MINIMAL
from .support.pdfs import page_texts
from .support.projects import camera_photo, make_project

SETTINGS = """\
email:
  sender: KIC 중국 <news@kic.example>
  reply_to: 편집부 <editor@kic.example>
  footer: |
    구독을 원하지 않으시면 이 메일에 회신해 주세요.
"""
KOREAN_NAME = "주간 중국 창업 제260호 (2021.12.22).pdf"
SENTENCES = [
    "중국 정부는 올해 창업 지원 정책을 확대하고 지역별 혁신 거점을 새로 지정했다.",
    "업계 관계자들은 인공지능과 사물인터넷의 결합이 제조업의 디지털 전환을 앞당길 것으로 내다봤다.",
    "행사에는 투자자와 창업자 등 300여 명이 참석해 성과를 공유하고 협력 방안을 논의했다.",
    "전문가들은 초기 기업이 해외 시장에 진출하려면 현지 파트너와의 협력이 중요하다고 강조했다.",
    "시 정부는 청년 창업자를 위해 임대료 감면과 전문 컨설팅을 함께 제공하기로 했다.",
]
TWO_SECTIONS = (
    MINIMAL
    + """\
  - title: 중국 창업 뉴스
    articles:
      - title: 광저우 혁신 성과 교역회
        body:
          - 세 번째 문단.
"""
)


@pytest.fixture(scope="session")
def camera_photos() -> list[bytes]:
    """Four distinct 12 MP camera JPEGs of several MB, made once per session."""
    return [camera_photo(seed) for seed in range(4)]


def camera_issue_yaml(photos: int = 12, paragraphs: int = 7) -> str:
    """A 30-page issue: three sections, one photo (60, 80 or 100 % wide) per article amid its text."""

    def paragraph(i: int) -> str:
        return " ".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(5))

    lines = ["title: 주간 중국 창업", "number: 261", "date: 2022-01-05", "publisher: KIC 중국", "sections:"]
    per_section = photos // 3
    for s in range(3):
        lines += [f"  - title: 섹션 {s + 1}", "    articles:"]
        for a in range(per_section):
            n = s * per_section + a
            lines += [f"      - title: 기사 {n + 1} 현장 사진과 함께 보는 창업 생태계", "        body:"]
            lines += [f"          - {paragraph(n + p)}" for p in range(paragraphs // 2)]
            lines += [
                f"          - photo: photos/camera-{n + 1:02d}.jpg",
                f"            width: {(60, 80, 100)[n % 3]}",
                "            source: KIC 중국",
                f"            alt: 현장 사진 {n + 1}",
            ]
            lines += [f"          - {paragraph(n + p)}" for p in range(paragraphs // 2, paragraphs)]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def camera_issue(tmp_path_factory: pytest.TempPathFactory, camera_photos: list[bytes]) -> Path:
    """The camera-photo issue: 12 photos of 4000×3000 px (4 distinct, each file embedded on its own)."""
    files: dict[str, str | bytes] = {f"photos/camera-{n + 1:02d}.jpg": camera_photos[n % 4] for n in range(12)}
    files["issue.yaml"] = camera_issue_yaml()
    project = make_project(tmp_path_factory.mktemp("camera"), issues={"261": files})
    return project / "issues" / "261"


@pytest.fixture(scope="module")
def draft(tmp_path_factory: pytest.TempPathFactory) -> Draft:
    """The draft of a two-section text issue, in a project with sender, footer and unsubscribe settings."""
    project = make_project(tmp_path_factory.mktemp("mail"), SETTINGS, {"260": {"issue.yaml": TWO_SECTIONS}})
    return compose(project / "issues" / "260")


def parsed(data: bytes, how: policy.Policy = policy.default) -> EmailMessage:
    return BytesParser(policy=how).parsebytes(data)  # type: ignore[return-value]


# --- the PDF and its budget -------------------------------------------------------------------


def test_camera_photos_email_edition_of_30_pages_stays_under_3mb(camera_issue: Path, tmp_path: Path) -> None:
    draft = compose(camera_issue, tmp_path)
    size = draft.pdf.stat().st_size
    sources = sum(path.stat().st_size for path in (camera_issue / "photos").iterdir())
    print(f"camera issue: {draft.pages} pages, photos {sources / 1e6:.1f} MB → email PDF {size / 1e6:.2f} MB")
    assert 24 <= draft.pages <= 32  # about 30 pages; tighter justification (layouts/) fits it in 26
    assert sources > 60e6
    assert size < 3e6
    images = largest_images(draft.pdf, camera_issue, draft.issue)
    assert len(images) == 12 and {image.source for image in images} == {
        f"photos/camera-{n:02d}.jpg" for n in range(1, 13)
    }
    assert all(image.width <= 1100 for image in images)  # 170 mm at 150 dpi is 1004 px


def test_over_budget_names_the_largest_photos_and_keeps_the_earlier_files(
    tmp_path: Path, camera_photos: list[bytes]
) -> None:
    yaml = MINIMAL.replace("          - 두 번째 문단.\n", "") + (
        "          - photo: photos/big.jpg\n"
        "            alt: 큰 사진\n"
        "          - photo: photos/작은 사진.jpg\n"
        "            alt: 작은 사진\n"
        "            width: 30\n"
        "email:\n"
        "  budget_mb: 0.2\n"
    )
    little = camera_photo(9, (600, 450))
    project = make_project(
        tmp_path / "p",
        issues={"260": {"issue.yaml": yaml, "photos/big.jpg": camera_photos[0], "photos/작은 사진.jpg": little}},
    )
    issue = project / "issues" / "260"
    out = issue / "out"
    out.mkdir()
    (out / "issue-260-email.pdf").write_bytes(b"earlier pdf")
    (out / "issue-260-email.eml").write_bytes(b"earlier eml")
    with pytest.raises(OverBudget) as raised:
        compose(issue)
    err = raised.value
    assert str(err).startswith("the email PDF would be ") and "over the 0.2 MB budget; nothing was written" in str(err)
    assert [image.source for image in err.images] == ["photos/big.jpg", "photos/작은 사진.jpg"]
    assert err.images[0].size > err.images[1].size
    assert err.images[0].source_size == len(camera_photos[0])
    assert err.messages[0] == "largest images (2 shown):"
    assert "photos/big.jpg: " in err.messages[1]
    assert f"file {len(camera_photos[0]) / 1e6:.1f} MB, page 3" in err.messages[1]
    assert (out / "issue-260-email.pdf").read_bytes() == b"earlier pdf"
    assert (out / "issue-260-email.eml").read_bytes() == b"earlier eml"
    assert sorted(p.name for p in out.iterdir()) == ["issue-260-email.eml", "issue-260-email.pdf"]


def test_settings_set_dpi_and_quality_of_the_email_edition_only(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", "email:\n  dpi: 96\n  jpeg_quality: 60\n", {"260": {"issue.yaml": MINIMAL}})
    checked = check_issue(project / "issues" / "260")
    email = render_options(PLANS["email"], checked)
    assert (email["dpi"], email["jpeg_quality"], email["optimize_images"]) == (96, 60, True)
    for edition in ("screen", "print", "archive"):
        assert render_options(PLANS[edition], checked) == {}
    bare = make_project(tmp_path / "q", issues={"260": {"issue.yaml": MINIMAL}})
    defaults = render_options(PLANS["email"], check_issue(bare / "issues" / "260"))
    assert (defaults["dpi"], defaults["jpeg_quality"]) == (150, 80)


# --- the message ------------------------------------------------------------------------------


def test_draft_headers_and_attachment_parse_cleanly(draft: Draft) -> None:
    data = draft.eml.read_bytes()
    assert data.isascii() and b"\r" not in data and all(len(line) <= 78 for line in data.split(b"\n"))
    message = parsed(data)
    assert message["Subject"] == "주간 중국 창업 제260호 (2021.12.22)"
    assert message["From"] == "KIC 중국 <news@kic.example>"
    assert message["To"] == "KIC 중국 <news@kic.example>"
    assert message["Reply-To"] == "편집부 <editor@kic.example>"
    assert message["List-Unsubscribe"] == "<mailto:news@kic.example?subject=unsubscribe>"  # a plain mail: no ticket
    assert message["List-Id"] == "<news.kic.example>"
    assert message["Date"] is None and message["Message-ID"] is None  # added by whoever sends it
    assert [part.get_content_type() for part in message.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "application/pdf",
    ]
    for part in message.walk():
        assert not part.defects, (part.get_content_type(), part.defects)
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == KOREAN_NAME
    assert attachment.get_content() == draft.pdf.read_bytes()
    raw = data[data.index(b"Content-Disposition:") :].split(b"\n\n", 1)[0].decode()
    assert raw.startswith("Content-Disposition: attachment;\n filename*0*=utf-8''%EC%A3%BC%EA%B0%84%20")
    assert raw.endswith(';\n filename="issue-260.pdf"')
    legacy = parsed(data, policy.compat32)
    pdf = next(part for part in legacy.walk() if part.get_content_type() == "application/pdf")
    assert pdf.get_filename() == "issue-260.pdf"  # the legacy API puts RFC 2231 names after plain ones
    assert pdf.get_payload(decode=True) == draft.pdf.read_bytes()


def test_bodies_list_every_article_with_the_page_it_starts_on(draft: Draft) -> None:
    message = parsed(draft.eml.read_bytes())
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    pages = page_texts(draft.pdf)
    articles = [article for section in draft.contents for article in section.articles]
    assert [line for section in draft.contents for line in (section.title, *(a.label for a in section.articles))] == [
        "CHINA 창업",
        "1. 2021 후룬연구소 가젤 기업 선정",
        "중국 창업 뉴스",
        "1. 광저우 혁신 성과 교역회",
    ]
    for entry in articles:
        assert entry.title in " ".join(pages[entry.page - 1].split())
        assert f"\n{entry.label} · {entry.page}쪽\n{entry.lead}\n" in text
        assert f">{entry.label}</h3>" in html and f">PDF {entry.page}쪽</p>" in html
        assert f">{entry.lead}</p>" in html
    assert articles[1].page > articles[0].page
    assert text.startswith("주간 중국 창업 제260호 (2021.12.22)\nKIC 중국 · 주간 중국 창업 제260호 · 2021.12.22\n\n")
    assert f"첨부: {KOREAN_NAME} ({draft.pages}쪽, " in text
    assert "\n--\nKIC 중국의 주간 중국 창업 구독을 신청하신 분께 보내 드리는 메일입니다.\n" in text
    assert text.endswith(
        "구독을 원하지 않으시면 이 메일에 회신해 주세요.\n수신거부: mailto:news@kic.example?subject=unsubscribe\n"
    )
    assert '<html lang="ko">' in html and "<h2 " in html and "구독을 원하지 않으시면" in html
    assert 'href="mailto:news@kic.example?subject=unsubscribe"' in html and ">수신거부</a>" in html


def test_munpack_extracts_the_attachment_byte_identical(draft: Draft, tmp_path: Path) -> None:
    if shutil.which("munpack") is None:
        pytest.skip("munpack is not installed (Debian package mpack; scripts/setup.sh installs it)")
    run = subprocess.run(
        ["munpack", "-q", "-t", "-C", str(tmp_path), str(draft.eml)], capture_output=True, text=True, check=True
    )
    assert run.stdout.splitlines() == ["part1 (text/plain)", "part2 (text/html)", "issue-260.pdf (application/pdf)"]
    assert (tmp_path / "issue-260.pdf").read_bytes() == draft.pdf.read_bytes()


def test_attachment_name_folds_between_characters() -> None:
    name = "주간 중국 창업 제260호 특별판 (2021.12.22) 한·중·일 청년창업포럼 참석 보고.pdf"
    header = content_disposition(name, "issue-260.pdf")
    lines = header.split("\n")
    assert lines[0] == "attachment;" and lines[-1] == ' filename="issue-260.pdf"'
    assert len(lines) > 4 and all(len(line) <= 78 for line in lines)
    for line in lines[1:-1]:
        value = line.split("=", 1)[1].rstrip(";").removeprefix("utf-8''")
        unquote_to_bytes(value).decode("utf-8")  # every section holds whole characters
    message = EmailMessage()
    message.set_content("x")
    message.add_attachment(b"%PDF", maintype="application", subtype="pdf", filename="issue-260.pdf")
    attachment = next(message.iter_attachments())
    del attachment["Content-Disposition"]
    attachment.set_raw("Content-Disposition", header)
    again = next(parsed(message.as_bytes(policy=policy.SMTP)).iter_attachments())
    assert again.get_filename() == name


def test_email_command_is_reproducible_and_reports_sizes(draft: Draft, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["email", str(draft.pdf.parent.parent), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"wrote {tmp_path / 'issue-260-email.pdf'} ({draft.pages} pages, ")
    assert "of the 5.0 MB budget" in lines[0]
    assert lines[1].endswith("): 주간 중국 창업 제260호 (2021.12.22)")
    assert (tmp_path / "issue-260-email.eml").read_bytes() == draft.eml.read_bytes()
    assert (tmp_path / "issue-260-email.pdf").read_bytes() == draft.pdf.read_bytes()


def test_email_command_without_sender_writes_a_draft_without_from(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", issues={"260": {"issue.yaml": MINIMAL}})
    result = CliRunner().invoke(main, ["email", str(project / "issues" / "260")])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("note: the draft has no From: set email.sender")
    message = parsed((project / "issues" / "260" / "out" / "issue-260-email.eml").read_bytes())
    assert message["From"] is None and message["To"] is None


# --- settings ---------------------------------------------------------------------------------


def test_settings_report_every_problem_and_never_take_a_password(tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "p",
        """\
        email:
          sender: not an address
          subject: "{title} 제{numbr}호"
          attachment_ascii: "주간.pdf"
          budget: 3
        smtp:
          security: ssl
          password: hunter2
        """,
        {"260": {"issue.yaml": MINIMAL}},
    )
    with pytest.raises(SettingsError) as raised:
        load_settings(project / "issues" / "260")
    messages = [message.split(": ", 1)[1] for message in raised.value.messages]
    assert "issuepdf.yaml:2:11: email.sender: not one email address: 'not an address'" in raised.value.messages[0]
    assert any(m.startswith("email.subject: not a valid template ({numbr} is not a field); use") for m in messages)
    assert any(m.startswith("email.attachment_ascii: use printable ASCII only") for m in messages)
    assert "email.budget: unknown key 'budget'; did you mean 'budget_mb'?" in messages
    never = "smtp: the password is never read from a file: set ISSUEPDF_SMTP_PASSWORD"
    assert any(m.startswith(never) for m in messages)
    assert str(raised.value).endswith("issuepdf.yaml: 5 problem(s) in the settings")


def test_issue_email_settings_are_checked_with_positions(tmp_path: Path) -> None:
    project = make_project(
        tmp_path / "p", issues={"260": {"issue.yaml": MINIMAL + "email:\n  sendr: a@b.example\n  budget_mb: -1\n"}}
    )
    with pytest.raises(InvalidIssue) as raised:
        check_issue(project / "issues" / "260")
    problems = [str(problem).split("issue.yaml:", 1)[1] for problem in raised.value.problems]
    assert "13:3: email.sendr: unknown key 'sendr'; did you mean 'sender'?" in problems
    assert any(p.startswith("14:14: email.budget_mb: Input should be greater than 0") for p in problems)
