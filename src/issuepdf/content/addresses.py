"""Email addresses, checked one way everywhere: the sender in the settings and every subscriber."""

from __future__ import annotations

from email.utils import parseaddr


def normal_address(text: str) -> str:
    """The plain address in `text` (`name <a@b>` or `a@b`) as SMTP takes it; raises ValueError.

    The domain is checked and made ASCII per IDNA 2008 / UTS 46 (email-validator, which pydantic uses),
    as mail servers resolve it: IDNA 2003 would send `straße.de` to `strasse.de` and `ς` as `σ`.
    """
    from email_validator import EmailNotValidError, validate_email  # here: a build without mail never needs it

    _, address = parseaddr(text.strip())  # two addresses, or none, parse as ''
    if not address:
        raise ValueError("not an email address")
    try:
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as err:
        raise ValueError(str(err)) from None
    if checked.ascii_email is None:  # only without allow_smtputf8=False; kept for the type
        raise ValueError("needs SMTPUTF8 (a non-ASCII name before the @)")
    return checked.ascii_email
