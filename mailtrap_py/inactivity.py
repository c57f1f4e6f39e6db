"""The autologout timer of a connection (POP3: RFC 1939 section 3; IMAP: RFC 3501 5.4)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


def _never() -> bool:
    return False


class InactivityTimer:
    """Calls `expired()` once `touch()` has not been called for `timeout` seconds.

    `touch()` runs for every chunk a client sends, so it only notes the time: the
    timer is armed once and, when it fires early, re-armed for the rest (cancelling
    and making a TimerHandle per command was a measurable share of a POP3 RETR's
    cost). While `busy()` is true the server is the one taking its time (a fault
    rule's delay), so the client is not idle.
    """

    def __init__(
        self, timeout: float, expired: Callable[[], None], busy: Callable[[], bool] = _never
    ) -> None:
        self.timeout = timeout
        self._expired = expired
        self._busy = busy
        self._handle: asyncio.TimerHandle | None = None
        self._last = 0.0

    def touch(self) -> None:
        loop = asyncio.get_running_loop()
        self._last = loop.time()
        if self._handle is None:
            self._handle = loop.call_at(self._last + self.timeout, self._fire)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _fire(self) -> None:
        self._handle = None
        loop = asyncio.get_running_loop()
        if self._busy():
            self._last = loop.time()
        deadline = self._last + self.timeout
        if loop.time() < deadline:
            self._handle = loop.call_at(deadline, self._fire)
            return
        self._expired()
