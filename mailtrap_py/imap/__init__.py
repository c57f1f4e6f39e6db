"""IMAP4rev1 (RFC 3501) with the extensions real clients use, over the shared store.

Sans-IO like the POP3 server: `parser` turns bytes into commands, `session` turns
commands into responses over the store, `fetch` and `search` answer FETCH and
SEARCH, and `transport` is the thin asyncio layer that owns the socket.
"""

from mailtrap_py.imap.service import IMAPService
from mailtrap_py.imap.transport import DEFAULT_IDLE_TIMEOUT, IMAPProtocol

__all__ = ["DEFAULT_IDLE_TIMEOUT", "IMAPProtocol", "IMAPService"]
