"""What the SMTP service demands of clients. Every default is catch-all friendly."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
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


@dataclass(frozen=True)
class RecipientPolicy:
    """Which recipients RCPT accepts. Policies, not faults: they hold for every
    message, as a real server's configuration would.

    max_recipients: RCPT past this many in one message gets 452 4.5.3 (RFC 5321
        section 4.5.3.1.8 asks servers to take at least 100; a test may set fewer
        to exercise a client's batching). None: no limit.
    allowed_recipients: glob or /regex/ patterns; any other recipient gets
        550 5.1.1. Empty: everyone.
    reject_unknown_users: on a strict server, RCPT to an address with no declared
        account gets 550 5.1.1.
    greylist: seconds a sender/recipient/peer-IP triple must wait after its first
        attempt (451 4.7.1) before a retry passes. None: off; 0: the first retry
        passes.
    """

    max_recipients: int | None = None
    allowed_recipients: tuple[str, ...] = ()
    reject_unknown_users: bool = False
    greylist: float | None = None

    def __post_init__(self) -> None:
        if self.max_recipients is not None and self.max_recipients < 1:
            raise ValueError("max_recipients is 1 or more (or None: no limit)")
        if self.greylist is not None and self.greylist < 0:
            raise ValueError("greylist is seconds, 0 or more (or None: off)")


class Greylist:
    """Greylisting as RFC 6647 describes it: the first delivery attempt of a
    (peer IP, sender, recipient) triple is refused with a temporary error; a retry
    at least `delay` seconds later passes, and so does every later one.

    `clock` returns seconds (time.monotonic by default); tests pass their own.
    """

    REPLY = "451 4.7.1 Greylisted, please try again in {seconds:g} seconds"

    def __init__(self, delay: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.delay = delay
        self.clock = clock
        self._lock = threading.Lock()
        self._first_seen: dict[tuple[str, str, str], float] = {}
        self._passed: set[tuple[str, str, str]] = set()

    def check(self, peer_ip: str, sender: str, recipient: str) -> str | None:
        """None if the triple may pass, else the 451 reply to send."""
        key = (peer_ip, sender.lower(), recipient.lower())
        now = self.clock()
        with self._lock:
            if key in self._passed:
                return None
            first = self._first_seen.get(key)
            if first is None:  # the first attempt: always refused
                self._first_seen[key] = first = now
            elif now - first >= self.delay:
                self._passed.add(key)
                del self._first_seen[key]
                return None
        return self.REPLY.format(seconds=max(0.0, self.delay - (now - first)))

    def clear(self) -> None:
        with self._lock:
            self._first_seen.clear()
            self._passed.clear()
