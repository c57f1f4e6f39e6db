"""POP3 (RFC 1939, with CAPA, UIDL, TOP, SASL, STLS): parser, session, transport."""

from mailtrap_py.pop3.parser import Command, LineReader, OverlongLine, parse_command
from mailtrap_py.pop3.service import POP3Service
from mailtrap_py.pop3.session import MaildropLocks, Session
from mailtrap_py.pop3.states import State
from mailtrap_py.pop3.transport import DEFAULT_IDLE_TIMEOUT, POP3Protocol

__all__ = [
    "DEFAULT_IDLE_TIMEOUT",
    "Command",
    "LineReader",
    "MaildropLocks",
    "OverlongLine",
    "POP3Protocol",
    "POP3Service",
    "Session",
    "State",
    "parse_command",
]
