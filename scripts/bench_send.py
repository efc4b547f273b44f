"""Measure sending: messages per second to a local SMTP sink, issuepdf against the sink's own pace.

    .venv/bin/python scripts/bench_send.py [--count 10000] [--attached 1000]

Starts aiosmtpd's Sink (it accepts and discards) in a process of its own on 127.0.0.1, then:

1. the sink's pace: one smtplib connection sending the same prepared message N times (no log, no rendering);
2. issuepdf: `execute` of a send plan for N subscribers, one message each (To, Date, Message-ID, unsubscribe
   ticket, send log fsynced per message), the PDF linked (messages of ~20 KB);
3. the same with the PDF attached, for --attached subscribers.

Prints one line per measurement and a last line `bench-send: issuepdf=…/s sink=…/s ratio=…`.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from issuepdf.content.paths import SOURCE_ROOT
from issuepdf.content.settings import Settings, SmtpSettings
from issuepdf.mail.draft import compose
from issuepdf.mail.plan import Audience, make_plan
from issuepdf.mail.send import execute, make_letter

HEAD = """\
title: 주간 중국 창업
number: 260
date: 2021-12-22
publisher: KIC 중국
sections:
  - title: CHINA 창업
    articles:
      - title: 2021 후룬연구소 가젤 기업 선정
        body:
          - 첫 문단은 **Markdown** 인라인 서식을 쓴다.
          - 두 번째 문단.
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_sink(port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"]
    sink = subprocess.Popen(command)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return sink
        except OSError:
            time.sleep(0.1)
    sink.kill()
    raise SystemExit("the sink did not start")


def project(root: Path, settings: str) -> Path:
    root.mkdir(parents=True)
    for name in ("layouts", "fonts"):
        (root / name).symlink_to(SOURCE_ROOT / name, target_is_directory=True)
    (root / "issuepdf.yaml").write_text(settings, encoding="utf-8")
    issue = root / "issues" / "260"
    issue.mkdir(parents=True)
    (issue / "issue.yaml").write_text(HEAD, encoding="utf-8")
    return issue


def measure_issuepdf(folder: Path, port: int, count: int, attached: bool) -> tuple[float, int]:
    """Messages per second of `execute`, and the size of one message."""
    link = "" if attached else "  pdf_url: https://news.kic.example/pdf/{number}.pdf\n  attach_pdf: false\n"
    settings = (
        "email:\n  sender: KIC 중국 <news@kic.example>\n  unsubscribe_url: https://news.kic.example/unsubscribe\n"
        + link
    )
    issue = project(folder / ("attached" if attached else "linked"), settings)
    draft = compose(issue)
    smtp = SmtpSettings(host="127.0.0.1", port=port, security="none", recipients_per_minute=1e12)
    configured = Settings(email=draft.settings, smtp=smtp)
    addresses = [f"reader{n}@example.org" for n in range(count)]
    plan = make_plan(draft, configured, Audience("bench", addresses), issue / ".sent" / "260.jsonl")
    size = len(make_letter(plan).to(addresses[0], "<x@kic.example>"))
    start = time.perf_counter()
    report = execute(plan)
    seconds = time.perf_counter() - start
    assert len(report.delivered) == count, report.lines()
    return count / seconds, size


def filler(size: int) -> bytes:
    """A message of about `size` bytes in lines of 76 characters, as base64 parts are."""
    return b"Subject: x\r\n\r\n" + (b"x" * 76 + b"\r\n") * (size // 78)


def measure_sink(port: int, data: bytes, count: int) -> float:
    """Messages per second of one plain smtplib connection sending prepared bytes: the sink's pace."""
    server = smtplib.SMTP("127.0.0.1", port)
    start = time.perf_counter()
    for n in range(count):
        server.sendmail("news@kic.example", [f"reader{n}@example.org"], data)
    seconds = time.perf_counter() - start
    server.quit()
    return count / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--attached", type=int, default=1_000)
    args = parser.parse_args()
    os.environ.setdefault("ISSUEPDF_UNSUBSCRIBE_SECRET", "bench-secret-0123456789abcdef")
    port = free_port()
    sink = start_sink(port)
    try:
        with tempfile.TemporaryDirectory(prefix="issuepdf-bench-send-") as folder:
            linked, linked_size = measure_issuepdf(Path(folder), port, args.count, attached=False)
            print(f"issuepdf, PDF linked: {args.count} messages of {linked_size / 1e3:.0f} KB, {linked:.0f} messages/s")
            paced = measure_sink(port, filler(linked_size), args.count)
            print(f"sink alone, same size: {args.count} messages, {paced:.0f} messages/s")
            if args.attached:
                attached, size = measure_issuepdf(Path(folder), port, args.attached, attached=True)
                kilobytes = f"{size / 1e3:.0f} KB"
                print(f"issuepdf, PDF attached: {args.attached} messages of {kilobytes}, {attached:.0f} messages/s")
                raw = measure_sink(port, filler(size), args.attached)
                print(f"sink alone, same size: {args.attached} messages, {raw:.0f} messages/s")
    finally:
        sink.terminate()
        sink.wait()
    print(f"bench-send: issuepdf={linked:.0f}/s sink={paced:.0f}/s ratio={linked / paced:.2f}")


if __name__ == "__main__":
    main()
