"""SASL mechanisms for the POP3 and IMAP logins (SMTP has aiosmtpd's).

A mechanism is a generator: it yields each challenge (bytes, before base64), is
sent each decoded client response, and returns `(user, credentials_ok)`. The
protocol session does the wire part (`+ ` lines, base64, `*` to cancel) and the
login; the mechanisms are the same for both protocols, so a login that works over
POP3 works over IMAP.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import time
from collections.abc import Generator

from mailtrap_py.store import Store, account_key

Exchange = Generator[bytes, bytes, tuple[str, bool]]


class SASLError(Exception):
    """A malformed exchange; the text says why."""


def plain(store: Store, initial: bytes | None) -> Exchange:
    # RFC 4616: [authzid] NUL authcid NUL passwd.
    response = initial if initial is not None else (yield b"")
    parts = response.split(b"\0")
    if len(parts) != 3:
        raise SASLError("PLAIN response is authzid NUL user NUL password.")
    authzid, user, password = (p.decode("utf-8", "replace") for p in parts)
    if authzid and account_key(authzid) != account_key(user):
        raise SASLError("PLAIN: acting as another user is not supported.")
    return user, store.check_login(user, password)


def login(store: Store, initial: bytes | None) -> Exchange:
    # draft-murchison-sasl-login: "Username:" and "Password:" challenges; an
    # initial response, if any, is the user name.
    user = initial if initial is not None else (yield b"Username:")
    password = yield b"Password:"
    name = user.decode("utf-8", "replace")
    return name, store.check_login(name, password.decode("utf-8", "replace"))


def cram_md5(store: Store, initial: bytes | None, hostname: str) -> Exchange:
    # RFC 2195: the challenge is a unique timestamp; the response is
    # "user hex(HMAC-MD5(password, challenge))".
    challenge = f"<{secrets.randbelow(2**31)}.{time.time_ns()}@{hostname}>".encode()
    response = yield challenge
    user_bytes, _, digest = response.rpartition(b" ")
    if not user_bytes or not digest:
        raise SASLError("CRAM-MD5 response is 'user digest'.")
    user = user_bytes.decode("utf-8", "replace")
    password = store.password_of(user)
    if password is None:
        # Catch-all: an undeclared user cannot be checked; let check_login decide.
        return user, store.check_login(user, "")
    expected = hmac.new(password.encode(), challenge, "md5").hexdigest().encode()
    return user, hmac.compare_digest(expected, digest.lower())


def b64decode(text: str | bytes) -> bytes | None:
    """Strict base64 (RFC 4648), or None."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
