"""Secrets that are never settings (the SMTP and IMAP passwords, the unsubscribe secret): from the
environment, else from the system keyring when issuepdf[keyring] is installed, with where each came from."""

from __future__ import annotations

import os


def secret(env: str, service: str, user: str) -> tuple[str | None, str]:
    """The secret in `env`, else the keyring's for (service, user); and where it came from, or how to set it."""
    if os.environ.get(env):
        return os.environ[env], f"from {env}"
    try:
        import keyring
        import keyring.errors
    except ImportError:
        return None, f"missing: set {env} (or install issuepdf[keyring] to use the system keyring)"
    try:
        value = keyring.get_password(service, user)
    except (keyring.errors.KeyringError, RuntimeError) as err:
        return None, f"missing: set {env} (the keyring failed: {err})"
    if value:
        return value, "from the system keyring"
    return None, f"missing: set {env} or run `keyring set {service} {user}`"
