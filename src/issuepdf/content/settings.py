"""Project settings: `issuepdf.yaml` at the project root, for the email edition and sending.

The file is optional; every key has a default or is needed only by `issuepdf send`. An issue may
override the `email:` keys in its own `issue.yaml` (same keys, under `email:`). Secrets are
deliberately not settings: the SMTP and IMAP passwords, the unsubscribe secret and the DKIM key
come from the environment or the system keyring (a key may also be a file outside the project),
so none can be committed with the project.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from string import Formatter
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from .addresses import normal_address
from .errors import SettingsError
from .paths import project_root
from .problems import Problems
from .report import read_model

SETTINGS_FILE = "issuepdf.yaml"
PASSWORD_ENV = "ISSUEPDF_SMTP_PASSWORD"
IMAP_PASSWORD_ENV = "ISSUEPDF_IMAP_PASSWORD"
UNSUBSCRIBE_SECRET_ENV = "ISSUEPDF_UNSUBSCRIBE_SECRET"
DKIM_KEY_ENV = "ISSUEPDF_DKIM_KEY"
TEMPLATE_FIELDS = "{title}, {number}, {date} (e.g. {date:%Y.%m.%d}) and {publisher}"
TEMPLATE_NAMES = frozenset({"title", "number", "date", "publisher"})
DATE_CODES = "%Y %y %m %d %j %a %A %b %B %% (and %-m, %-d: no leading zero)"
DATE_FORMAT = re.compile(r"(?:[^%{}]|%-?[Yymdj]|%[aAbB%])*")
"""A date format of fixed-width codes: no flag or width that could pad the text to any length."""
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
"""Line breaks (all that Python's email package refuses in a header) and other control characters."""
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
IMAP_PORTS = {"starttls": 143, "tls": 993, "none": 143}
RETIRED = {
    "to": "every subscriber now gets a message of their own, addressed To: them",
    "list_unsubscribe": "List-Unsubscribe is now made per subscriber: set email.unsubscribe_url (and "
    "ISSUEPDF_UNSUBSCRIBE_SECRET), see docs/email.md",
    "batch_size": "every subscriber now gets a message of their own: use smtp.messages_per_connection",
}
"""Keys earlier versions took, and why they are gone: refused with this advice rather than as unknown."""


class SettingsModel(BaseModel):
    """Base of the settings models: unknown keys are errors, docstrings document fields."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


def fill_template(template: str, values: dict[str, Any]) -> str:
    """A subject or file name template filled with the issue's title, number, date and publisher.

    Safe because templates are checked when the settings load (`_template`): only plain fields
    and a date format, so no format spec can make a string of gigabytes.
    """
    return template.format(**values)


def _template(template: str) -> str:
    """Refuse anything but the four fields (and a date format): a typo fails when settings load, not mid-send."""
    try:
        fields = [
            (name, spec, conversion) for _, name, spec, conversion in Formatter().parse(template) if name is not None
        ]
    except ValueError as err:
        raise ValueError(f"not a valid template ({err}); use {TEMPLATE_FIELDS}") from None
    for name, spec, conversion in fields:
        reason = _field_problem(name, spec or "", conversion)
        if reason:
            raise ValueError(f"not a valid template ({reason}); use {TEMPLATE_FIELDS}")
    return template


def _field_problem(name: str, spec: str, conversion: str | None) -> str | None:
    """Why one `{…}` of a template is refused, or None: no attributes, indexes, conversions or widths."""
    shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
    if name not in TEMPLATE_NAMES:
        return f"{shown} is not a field"
    if conversion:
        return f"{shown}: no !{conversion} conversion is allowed"
    if spec and name != "date":
        return f"{shown}: only {{date}} takes a format"
    if spec and not DATE_FORMAT.fullmatch(spec):
        return f"{shown}: a date format may use only {DATE_CODES}"
    return None


def one_line(value: str) -> str:
    """A header value must be one line: a line break would end the header (Python refuses it mid-send)."""
    found = CONTROL.search(value)
    if found:
        raise ValueError(f"must be one line, without line breaks or control characters (found {found.group()!r})")
    return value


def _ascii_template(template: str) -> str:
    """The attachment's fallback name must stay plain ASCII for mail tools without RFC 2231."""
    if not template.isascii() or any(c in template for c in '"\\/') or not template.isprintable():
        raise ValueError("use printable ASCII only, without quotes, slashes or backslashes")
    return _template(template)


def _refuse_password(data: Any, env: str) -> None:
    if isinstance(data, dict) and any(str(key).lower().startswith("pass") for key in data):
        raise ValueError(
            f"the password is never read from a file: set {env} in the environment "
            "or store it in the system keyring (see docs/email.md)"
        )


def _mailbox(value: str) -> str:
    """One address, with or without a display name: `KIC 중국 <news@kic.example>`."""
    one_line(value)
    try:
        normal_address(value)
    except ValueError as err:
        raise ValueError(
            f"not one email address: {value!r} ({err}; write e.g. 'KIC 중국 <news@example.org>')"
        ) from None
    return value


def _web_url(value: str) -> str:
    """An https URL (http only on this machine, for tests): RFC 8058 one-click needs https."""
    from urllib.parse import urlsplit

    one_line(value)
    parts = urlsplit(value)
    loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if (parts.scheme != "https" and not (parts.scheme == "http" and loopback)) or not parts.hostname:
        raise ValueError(f"not an https URL: {value!r} (write e.g. 'https://news.example.org/unsubscribe')")
    if parts.fragment:
        raise ValueError(f"a URL without #fragment, please: {value!r}")
    return value


def _refuse_retired(data: Any) -> Any:
    """A key of an earlier version is refused with what replaced it."""
    if isinstance(data, dict):
        for name in data:
            if name in RETIRED:
                raise ValueError(f"{name} is no longer a setting: {RETIRED[name]}")
    return data


Template = Annotated[str, AfterValidator(_template)]
HeaderTemplate = Annotated[str, AfterValidator(one_line), AfterValidator(_template)]
Mailbox = Annotated[str, AfterValidator(_mailbox)]
WebUrl = Annotated[str, AfterValidator(_web_url)]


class EmailSettings(SettingsModel):
    """The email edition and its message; `email:` in issuepdf.yaml, or in an issue to override."""

    sender: Mailbox | None = None
    """The From header, e.g. `KIC 중국 <news@example.org>`; needed to send, optional for a draft."""
    reply_to: Mailbox | None = None
    """The Reply-To header, when replies should go elsewhere than the sender."""
    subject: HeaderTemplate = "{title} 제{number}호 ({date:%Y.%m.%d})"
    """The subject, a template with {title}, {number}, {date} and {publisher}."""
    attachment: Template = "{title} 제{number}호 ({date:%Y.%m.%d}).pdf"
    """The PDF's file name as readers see it (Korean is fine: it is encoded per RFC 2231)."""
    attachment_ascii: Annotated[str, AfterValidator(_ascii_template)] = "issue-{number}.pdf"
    """The ASCII file name for mail tools that do not read RFC 2231 names."""
    intro: Template = "{title} 제{number}호를 보내 드립니다."
    """The first paragraph of the message, before the articles."""
    footer: str | None = None
    """A closing paragraph, e.g. who publishes the bulletin and why the reader receives it."""
    list_id: Annotated[str, AfterValidator(one_line)] | None = None
    """The List-Id (RFC 2919) that names the list in headers and unsubscribe tokens; by default from the
    sender, `news.example.org` for `news@example.org`."""
    unsubscribe_url: WebUrl | None = None
    """Where the one-click unsubscribe endpoint (`issuepdf unsubscribe serve`) is reached from outside, e.g.
    `https://news.example.org/unsubscribe`; without it, unsubscribing is by mail only (no one-click)."""
    unsubscribe_address: Mailbox | None = None
    """Where unsubscribe mails go (the `mailto:` of List-Unsubscribe); by default the sender, whose mailbox
    also receives the bounces and which `issuepdf mailbox sync` reads."""
    advertisement: bool = False
    """Promotional mail: `(광고)` before the subject and the opt-out notice of 정보통신망법 제50조 in the footer.
    Off for an informational bulletin."""
    pdf_url: Template | None = None
    """Where the PDF is online, e.g. `https://news.example.org/pdf/{number}.pdf`: the message links to it (and
    to each article's page in it)."""
    attach_pdf: bool = True
    """Attach the PDF (within budget_mb); false sends a link instead, which needs pdf_url."""
    budget_mb: Annotated[float, Field(gt=0)] = 5
    """The largest email PDF allowed, in MB (10⁶ bytes); base64 makes the message a third larger."""
    dpi: Annotated[int, Field(ge=36, le=1200)] | None = None
    """Downsample photos above this resolution at their placed size; by default 150."""
    jpeg_quality: Annotated[int, Field(ge=1, le=95)] | None = None
    """JPEG quality (1-95) for photos in the email edition; by default 80."""

    @model_validator(mode="before")
    @classmethod
    def _retired(cls, data: Any) -> Any:
        return _refuse_retired(data)

    @model_validator(mode="after")
    def _link_needs_url(self) -> EmailSettings:
        if not self.attach_pdf and not self.pdf_url:
            raise ValueError("attach_pdf: false needs pdf_url, the PDF's address that the message links to")
        return self

    @property
    def sender_address(self) -> str:
        """The sender's plain address (`news@example.org`), or empty when not set."""
        from email.utils import parseaddr

        return parseaddr(self.sender or "")[1]

    @property
    def resolved_list_id(self) -> str:
        """The list's id: the setting, else `news.example.org` from the sender `news@example.org`."""
        local, _, domain = self.sender_address.partition("@")
        return self.list_id or (f"{local}.{domain}".lower() if domain else "issuepdf.invalid")

    @property
    def resolved_unsubscribe_address(self) -> str:
        """The plain address unsubscribe mails go to: the setting, else the sender."""
        from email.utils import parseaddr

        return parseaddr(self.unsubscribe_address or self.sender or "")[1]


class SmtpSettings(SettingsModel):
    """The mail server `issuepdf send` submits through; `smtp:` in issuepdf.yaml."""

    host: str | None = None
    """The SMTP server, e.g. `smtp.example.org`; needed to send."""
    port: Annotated[int, Field(ge=1, le=65535)] | None = None
    """By default 587 for starttls, 465 for tls, 25 for none."""
    security: Literal["starttls", "tls", "none"] = "starttls"
    """`starttls` upgrades a plain connection, `tls` is TLS from the start, `none` is for loopback tests."""
    user: str | None = None
    """The login; its password comes from ISSUEPDF_SMTP_PASSWORD or the keyring, never from a file."""
    ca_file: str | None = None
    """A PEM file of certificates to trust for the server (a private CA), relative to the project."""
    timeout: Annotated[float, Field(gt=0)] = 60
    """Seconds to wait for the server before giving up."""
    messages_per_connection: Annotated[int, Field(ge=1, le=10_000)] = 100
    """Messages sent over one connection before it is closed and a new one opened (servers cap it)."""
    recipients_per_minute: Annotated[float, Field(gt=0)] = 300
    """The rate limit: the run waits between messages (one recipient each) to stay under this many a minute."""

    @model_validator(mode="before")
    @classmethod
    def _no_password(cls, data: Any) -> Any:
        _refuse_password(data, PASSWORD_ENV)
        return _refuse_retired(data)

    @property
    def resolved_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]

    @property
    def loopback(self) -> bool:
        """Whether the server is this machine, where an unencrypted login exposes nothing."""
        if self.host == "localhost":
            return True
        import ipaddress

        try:
            return ipaddress.ip_address(self.host or "").is_loopback
        except ValueError:
            return False


def _editor_template(template: str) -> str:
    """An editor link or command names a file and a place in it, nothing else."""
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in Formatter().parse(template) if name]
    except ValueError as err:
        raise ValueError(f"not a valid template ({err}); use {{path}}, {{line}} and {{col}}") from None
    names = {name for name, spec, conversion in fields if not spec and not conversion}
    if len(names) < len(fields) or not names <= {"path", "line", "col"} or "path" not in names:
        raise ValueError("use {path} (and {line}, {col}), e.g. 'vscode://file{path}:{line}:{col}'")
    return template


class ServeSettings(SettingsModel):
    """`issuepdf serve`, the live preview; `serve:` in issuepdf.yaml."""

    editor: Annotated[str, AfterValidator(one_line), AfterValidator(_editor_template)] = (
        "vscode://file{path}:{line}:{col}"
    )
    """What a click on a page offers: a link (`vscode://file{path}:{line}:{col}`; in a link, {path} is the
    absolute path as a URL path, with its leading slash), or a command the preview runs, without a shell
    (`emacsclient -n +{line}:{col} {path}`)."""


class SubscriberSettings(SettingsModel):
    """The subscriber list; `subscribers:` in issuepdf.yaml."""

    path: str = ".subscribers/subscribers.sqlite"
    """The list's SQLite file, relative to the project. It holds people's addresses: a folder issuepdf makes for
    it gets a .gitignore that keeps it out of git."""
    soft_bounce_limit: Annotated[int, Field(ge=1, le=100)] = 3
    """Temporary delivery failures (mailbox full, …) in a row after which an address counts as bounced; each
    message counts once, however many notices its retries bring."""
    soft_bounce_days: Annotated[int, Field(ge=1, le=3650)] = 30
    """Days without a temporary failure after which the count starts again: only failures in a row count (a
    mailbox full once a year never reaches the limit)."""


class ImapSettings(SettingsModel):
    """The mailbox that receives bounces, unsubscribe mails and replies; `imap:` in issuepdf.yaml."""

    host: str | None = None
    """The IMAP server, e.g. `imap.example.org`; needed by `issuepdf mailbox sync`."""
    port: Annotated[int, Field(ge=1, le=65535)] | None = None
    """By default 993 for tls, 143 for starttls and none."""
    security: Literal["tls", "starttls", "none"] = "tls"
    """`tls` from the start, `starttls` upgrades a plain connection, `none` is for loopback tests."""
    user: str | None = None
    """The login; its password comes from ISSUEPDF_IMAP_PASSWORD or the keyring, never from a file."""
    folder: Annotated[str, AfterValidator(one_line)] = "INBOX"
    """The folder to read."""
    ca_file: str | None = None
    """A PEM file of certificates to trust for the server (a private CA), relative to the project."""
    timeout: Annotated[float, Field(gt=0)] = 60
    """Seconds to wait for the server before giving up."""

    @model_validator(mode="before")
    @classmethod
    def _no_password(cls, data: Any) -> Any:
        _refuse_password(data, IMAP_PASSWORD_ENV)
        return data

    @property
    def resolved_port(self) -> int:
        return self.port or IMAP_PORTS[self.security]


class DkimSettings(SettingsModel):
    """DKIM signing by issuepdf, for servers that do not sign; `dkim:` in issuepdf.yaml."""

    selector: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")] | None = None
    """The selector: the public key is published at `<selector>._domainkey.<domain>`. Signing is on when set."""
    domain: Annotated[str, Field(pattern=r"^[A-Za-z0-9.-]+$")] | None = None
    """The signing domain (d=); by default the sender's, which DMARC alignment needs."""
    key_file: str | None = None
    """The private key (PEM), relative to the project; better kept outside it, or in ISSUEPDF_DKIM_KEY."""


def _site_url(value: str) -> str:
    """An absolute http(s) URL without query or fragment; kept without its trailing slash."""
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment or " " in value:
        raise ValueError(f"not a web address: {value!r} (write e.g. 'https://example.org/bulletin')")
    return value.rstrip("/")


def _issn(value: str) -> str:
    """Eight characters `NNNN-NNNC` whose last is the ISO 3297 check digit (0-9 or X)."""
    digits = value.replace("-", "")
    if not re.fullmatch(r"\d{4}-\d{3}[\dX]", value):
        raise ValueError(f"not an ISSN: {value!r} (write e.g. '1234-5679')")
    check = -sum(int(d) * (8 - i) for i, d in enumerate(digits[:7])) % 11
    if digits[7] != ("X" if check == 10 else str(check)):
        raise ValueError(f"not an ISSN: {value!r} (its check digit should be {'X' if check == 10 else check})")
    return value


class Settings(SettingsModel):
    """The root of issuepdf.yaml."""

    email: EmailSettings = EmailSettings()
    """The email edition and its message."""
    smtp: SmtpSettings = SmtpSettings()
    """The mail server for `issuepdf send`."""
    site_url: Annotated[str, AfterValidator(_site_url)] | None = None
    """Where the web edition is published (`https://example.org/bulletin`): canonical URLs, feeds, email links."""
    issn: Annotated[str, AfterValidator(_issn)] | None = None
    """The bulletin's ISSN (`1234-5679`), printed in the web edition's masthead and metadata."""
    subscribers: SubscriberSettings = SubscriberSettings()
    """The subscriber list."""
    imap: ImapSettings = ImapSettings()
    """The bounce and reply mailbox for `issuepdf mailbox sync`."""
    dkim: DkimSettings = DkimSettings()
    """DKIM signing."""
    serve: ServeSettings = ServeSettings()
    """The live preview of `issuepdf serve`."""


def settings_path(issue_dir: Path) -> Path:
    return project_root(issue_dir) / SETTINGS_FILE


def load_settings(issue_dir: Path) -> Settings:
    """The project's settings (defaults when there is no issuepdf.yaml); raises SettingsError.

    Read like an issue (`loader.load_yaml`, `validate.validate_model`), so every problem names its
    `file:line:col` and the same limits apply (size, alias bombs, UTF-8). Read once per version of the
    file: a command asks for them at several steps (the email edition, the draft, the send plan).
    """
    path = settings_path(issue_dir)
    if not path.is_file():
        return Settings()
    stat = path.stat()
    return _read_settings(path, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=16)
def _read_settings(path: Path, _size: int, _mtime_ns: int) -> Settings:
    problems = Problems()
    settings = read_model(Settings, path, problems)
    if settings is None:
        raise SettingsError(
            f"{path}: {len(problems)} problem(s) in the settings", [str(problem) for problem in problems]
        )
    return settings


def email_settings(issue_dir: Path, overrides: EmailSettings | None) -> EmailSettings:
    """The project's email settings with the keys the issue gives under `email:` replacing them."""
    base = load_settings(issue_dir).email
    if overrides is None:
        return base
    return base.model_copy(update={key: getattr(overrides, key) for key in overrides.model_fields_set})


def email_image_options(issue_dir: Path, issue_email: EmailSettings | None) -> dict[str, Any]:
    """The email edition's WeasyPrint image options that the settings change (dpi, jpeg_quality)."""
    chosen = email_settings(issue_dir, issue_email)
    return {key: value for key in ("dpi", "jpeg_quality") if (value := getattr(chosen, key)) is not None}
