"""The POP3 session states and which command is legal in which, as a table.

RFC 1939 section 3: a session starts in AUTHORIZATION, enters TRANSACTION once the
client has identified itself, and enters UPDATE when it says QUIT there. A command
sent in a state that does not list it gets `-ERR` and changes nothing; looking it
up here is the whole check.
"""

from __future__ import annotations

import enum


class State(enum.Enum):
    AUTHORIZATION = "AUTHORIZATION"
    TRANSACTION = "TRANSACTION"
    # Entered on QUIT from TRANSACTION: the marked messages are removed and the
    # connection closes. Nothing is legal here.
    UPDATE = "UPDATE"


# RFC 1939 sections 4-7, RFC 2449 section 5 (CAPA: any state), RFC 2595 section 4
# (STLS: AUTHORIZATION only), RFC 5034 section 4 (AUTH: AUTHORIZATION only).
# NOOP is TRANSACTION-only in RFC 1939; Dovecot refuses it before login too.
LEGAL: dict[State, frozenset[str]] = {
    State.AUTHORIZATION: frozenset({"USER", "PASS", "APOP", "AUTH", "STLS", "CAPA", "QUIT"}),
    State.TRANSACTION: frozenset(
        {"STAT", "LIST", "RETR", "DELE", "NOOP", "RSET", "TOP", "UIDL", "CAPA", "QUIT"}
    ),
    State.UPDATE: frozenset(),
}

# Every keyword this server knows, whatever the state: the rest are "unknown".
KNOWN: frozenset[str] = frozenset().union(*LEGAL.values())


def is_legal(state: State, command: str) -> bool:
    return command in LEGAL[state]
