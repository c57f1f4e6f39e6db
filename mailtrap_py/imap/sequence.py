"""Sequence sets (RFC 3501 section 9, `sequence-set`): `1:4,7,9:*`.

One parser for message sequence numbers and UIDs alike; `*` means the largest
number in use, and a range may be given in either order (`5:2` is `2:5`).
"""

from __future__ import annotations

from collections.abc import Iterator

STAR = -1


class SequenceError(ValueError):
    """Not a sequence set; the text says why, for a tagged BAD."""


class SequenceSet:
    """Ranges of positive numbers, where `STAR` stands for the largest in use."""

    __slots__ = ("ranges", "text")

    def __init__(self, ranges: list[tuple[int, int]], text: str) -> None:
        self.ranges = ranges
        self.text = text

    @classmethod
    def parse(cls, text: str) -> SequenceSet:
        if not text:
            raise SequenceError("empty sequence set")
        ranges = []
        for part in text.split(","):
            low_text, sep, high_text = part.partition(":")
            low = _number(low_text, text)
            high = _number(high_text, text) if sep else low
            ranges.append((low, high))
        return cls(ranges, text)

    def bounds(self, largest: int) -> Iterator[tuple[int, int]]:
        """Each range as (low, high) with `*` replaced by `largest`."""
        for low, high in self.ranges:
            low = largest if low == STAR else low
            high = largest if high == STAR else high
            yield (low, high) if low <= high else (high, low)

    def contains(self, number: int, largest: int) -> bool:
        return any(low <= number <= high for low, high in self.bounds(largest))

    def __repr__(self) -> str:
        return f"SequenceSet({self.text!r})"


def _number(text: str, whole: str) -> int:
    if text == "*":
        return STAR
    # RFC 3501 nz-number: digits without a leading zero, at most 2^32 - 1.
    if not text.isdigit() or not text.isascii() or text[0] == "0":
        raise SequenceError(f"bad sequence set {whole!r}")
    number = int(text)
    if number > 0xFFFFFFFF:
        raise SequenceError(f"number out of range in {whole!r}")
    return number
