"""What the SMTP service demands of clients. Every default is catch-all friendly."""

from __future__ import annotations

from dataclasses import dataclass

# aiosmtpd's own default (DATA_SIZE_DEFAULT): 32 MiB, far above what a real
# provider takes (Gmail 25 MB, Postfix 10 MB), so the limit only bites when a test
# sets it on purpose.
DEFAULT_MAX_MESSAGE_SIZE = 32 * 1024 * 1024

# RFC 5321 section 4.5.3.2.7: a server should wait at least 5 minutes for the next
# command before it closes the connection.
DEFAULT_TIMEOUT = 300.0


@dataclass(frozen=True)
class SMTPPolicy:
    """Options of the SMTP service.

    auth_required: MAIL before a successful AUTH gets 530.
    starttls_required: every command but EHLO/NOOP/QUIT/STARTTLS gets 530 on a
        plain connection, and AUTH is not advertised there (RFC 3207 section 4);
        the implicit-TLS port is already encrypted.
    max_message_size: advertised in EHLO (SIZE); larger messages get 552.
        None: no limit.
    timeout: seconds a connection may stay silent before it is closed.
    hostname: the name in the greeting and EHLO reply.
    """

    auth_required: bool = False
    starttls_required: bool = False
    max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE
    timeout: float = DEFAULT_TIMEOUT
    hostname: str = "localhost"
