"""Modified UTF-7 mailbox names (RFC 3501 5.1.3)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailtrap_py.imap import mutf7


@pytest.mark.parametrize(
    ("text", "wire"),
    [
        ("INBOX", "INBOX"),
        ("Entwürfe", "Entw&APw-rfe"),
        ("Tom & Jerry", "Tom &- Jerry"),
        # The RFC's own example.
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
        ("😀", "&2D3eAA-"),
    ],
)
def test_names_encode_and_decode(text: str, wire: str) -> None:
    assert mutf7.encode(text) == wire
    assert mutf7.decode(wire) == text


@pytest.mark.parametrize("bad", ["&", "a&b", "&Jjo", "&A-", "Entwürfe"])
def test_invalid_names_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        mutf7.decode(bad)


@given(st.text())
def test_every_name_survives_the_round_trip(text: str) -> None:
    wire = mutf7.encode(text)
    assert wire.isascii()
    assert mutf7.decode(wire) == text
