"""DKIM signing, verified where mail arrives: an aiosmtpd handler runs dkimpy's verifier on every message, with a
stub DNS answer holding the test's public key."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from issuepdf.content.errors import SendError
from issuepdf.content.settings import DKIM_KEY_ENV, DkimSettings, Settings
from issuepdf.mail.draft import Draft, compose
from issuepdf.mail.send import execute

from .support.issues import MINIMAL
from .support.projects import make_project
from .test_send import SETTINGS, Inbox, people, plan, settings_for, smtp_server, unsubscribe_secret

__all__ = ["unsubscribe_secret"]
SELECTOR = "s2026"


@pytest.fixture(scope="module")
def keys() -> tuple[bytes, bytes]:
    """A 2048-bit RSA key (PEM) and its DNS TXT record."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


@pytest.fixture(scope="module")
def draft(tmp_path_factory: pytest.TempPathFactory) -> Draft:
    settings = SETTINGS + "  unsubscribe_url: https://news.kic.example/unsubscribe\n"
    project = make_project(tmp_path_factory.mktemp("dkim"), settings, {"260": {"issue.yaml": MINIMAL}})
    return compose(project / "issues" / "260")


class Verifier(Inbox):
    """Keeps what arrives and whether dkimpy verifies it against the published key."""

    def __init__(self, record: bytes) -> None:
        super().__init__()
        self.record = record
        self.lookups: list[bytes] = []
        self.verdicts: list[bool] = []

    def dns(self, name: bytes, timeout: int = 5) -> bytes | None:
        self.lookups.append(name)
        return self.record if name == f"{SELECTOR}._domainkey.kic.example.".encode() else None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.verdicts.append(dkim.verify(envelope.original_content, dnsfunc=self.dns))
        return await super().handle_DATA(server, session, envelope)


def with_dkim(settings: Settings, **values: Any) -> Settings:
    return settings.model_copy(update={"dkim": DkimSettings(selector=SELECTOR, **values)})


def test_every_message_passes_dkim_at_the_receiver_and_a_changed_header_fails(
    draft: Draft, keys: tuple[bytes, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pem, record = keys
    monkeypatch.setenv(DKIM_KEY_ENV, pem.decode())
    inbox = Verifier(record)
    with smtp_server(inbox) as port:
        settings = with_dkim(settings_for(draft, port))
        report = execute(plan(draft, settings, people(3), tmp_path / "260.jsonl"))
    assert report.delivered == people(3)
    assert inbox.verdicts == [True, True, True]
    assert set(inbox.lookups) == {f"{SELECTOR}._domainkey.kic.example.".encode()}
    data = inbox.messages[0].data
    header = data[data.index(b"DKIM-Signature:") : data.index(b"\r\n", data.index(b" b=")) + 2].decode()
    signed = {name.strip().lower() for name in header.split(" h=")[1].split(";")[0].replace("\r\n", "").split(":")}
    assert {"from", "to", "subject", "list-unsubscribe", "list-unsubscribe-post", "message-id"} <= signed  # RFC 8058
    assert " d=kic.example;" in header and f" s={SELECTOR};" in header
    for old, new in [
        (b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"List-Unsubscribe-Post: List-Unsubscribe=Two-Click"),
        (f"To: {people(1)[0]}".encode(), b"To: someone@example.org"),
        (b"Subject: =?utf-8?", b"Subject: =?UTF-8?"),
    ]:
        assert old in data, old
        assert not dkim.verify(data.replace(old, new, 1), dnsfunc=inbox.dns), old


def test_the_key_from_a_file_and_a_bad_key_stops_before_anything_is_sent(
    draft: Draft, keys: tuple[bytes, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DKIM_KEY_ENV, raising=False)
    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(keys[0])
    inbox = Verifier(keys[1])
    with smtp_server(inbox) as port:
        settings = with_dkim(settings_for(draft, port), key_file=str(key_file))  # absolute: outside the project
        execute(plan(draft, settings, people(1), tmp_path / "a.jsonl"))
        key_file.write_bytes(b"-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
        with pytest.raises(SendError, match=r"^cannot DKIM-sign with the key of s2026\._domainkey\.kic\.example"):
            execute(plan(draft, settings, people(2)[1:], tmp_path / "b.jsonl"))
        with pytest.raises(SendError, match=r"dkim.selector is set but there is no key: set ISSUEPDF_DKIM_KEY"):
            execute(plan(draft, with_dkim(settings_for(draft, port)), people(2)[1:], tmp_path / "c.jsonl"))
    assert inbox.verdicts == [True]
    assert not (tmp_path / "b.jsonl").exists() and not (tmp_path / "c.jsonl").exists()
