"""Criteria matching, shared by MailServer, the pytest fixture and (later) the HTTP API.

A criterion names a field of a message and a matcher:

- a `str`: for address fields (`to`, `sender`, `from_`, `cc`, `bcc`) the address
  itself, compared without regard to case; for text fields (`subject`, `text`,
  `html`, `body`, header values) a substring;
- a compiled regex: `search`ed in the field (addresses: in `addr` and `Name <addr>`);
- a callable: given the field's value (each address in turn), true to match.

`Criteria(...)` ANDs its terms. `describe()` spells them out for failure messages,
which is why the matchers are data and not closures.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mailtrap_py.message import Address, Message

Matcher = str | re.Pattern[str] | Callable[[str], bool]
HeaderCriterion = str | tuple[str, Matcher] | Mapping[str, Matcher]
AttachmentCriterion = bool | Matcher

ADDRESS_FIELDS = ("to", "sender", "from_", "cc", "bcc")
TEXT_FIELDS = ("subject", "text", "html", "body")
CRITERIA = (*ADDRESS_FIELDS, *TEXT_FIELDS, "header", "has_attachment", "where")


class CriteriaError(ValueError):
    """A criterion that cannot be used: unknown field or unusable matcher."""


def _describe_matcher(matcher: object, *, address: bool) -> str:
    if isinstance(matcher, str):
        return f"== {matcher!r}" if address else f"contains {matcher!r}"
    if isinstance(matcher, re.Pattern):
        return f"matches /{matcher.pattern}/"
    name = getattr(matcher, "__name__", repr(matcher))
    return f"satisfies {name}()"


def _match_text(matcher: Matcher, value: str | None) -> bool:
    if value is None:
        return False
    if isinstance(matcher, str):
        return matcher in value
    if isinstance(matcher, re.Pattern):
        return matcher.search(value) is not None
    return bool(matcher(value))


def _match_address(matcher: Matcher, value: Address | str) -> bool:
    if isinstance(matcher, str):
        return str.__str__(value).lower() == matcher.lower()
    if isinstance(matcher, re.Pattern):
        formatted = value.formatted if isinstance(value, Address) else str(value)
        return bool(matcher.search(str.__str__(value)) or matcher.search(formatted))
    return bool(matcher(value))


def _check_matcher(name: str, matcher: object) -> None:
    if not (isinstance(matcher, (str, re.Pattern)) or callable(matcher)):
        raise CriteriaError(
            f"{name}= takes a string, a compiled regex or a callable, not {type(matcher).__name__}"
        )
    # Fields are text: a bytes pattern would only fail later, inside a wait.
    if isinstance(matcher, re.Pattern) and not isinstance(matcher.pattern, str):
        raise CriteriaError(f"{name}= takes a str regex, not a bytes one: {matcher.pattern!r}")


@dataclass(frozen=True)
class Term:
    """One field compared with one matcher; `negate` inverts it."""

    field: str
    matcher: Any
    negate: bool = False

    def matches(self, message: Message) -> bool:
        return self._matches(message) != self.negate

    def _matches(self, message: Message) -> bool:
        f, m = self.field, self.matcher
        if f == "to":
            return any(_match_address(m, r) for r in message.recipients)
        if f == "sender":
            return _match_address(m, message.sender)
        if f == "from_":
            return message.from_ is not None and _match_address(m, message.from_)
        if f in ("cc", "bcc"):
            return any(_match_address(m, a) for a in getattr(message, f))
        if f in ("subject", "text", "html"):
            return _match_text(m, getattr(message, f))
        if f == "body":
            return _match_text(m, message.text) or _match_text(m, message.html)
        if f == "header":
            name, value = m
            values = message.headers.get_all(name)
            if value is None:
                return bool(values)
            return any(_match_text(value, v) for v in values)
        if f == "has_attachment":
            if isinstance(m, bool):
                return bool(message.attachments) == m
            return any(_match_text(m, a.filename or "") for a in message.attachments)
        if f == "where":
            return bool(m(message))
        raise CriteriaError(f"unknown field {f!r}")  # pragma: no cover - checked on build

    def describe(self) -> str:
        f, m = self.field, self.matcher
        if f == "header":
            name, value = m
            text = (
                f"header {name!r} present"
                if value is None
                else (f"header {name!r} " + _describe_matcher(value, address=False))
            )
        elif f == "has_attachment":
            if isinstance(m, bool):
                text = "has an attachment" if m else "has no attachment"
            else:
                text = "attachment filename " + _describe_matcher(m, address=False)
        elif f == "where":
            text = "where " + _describe_matcher(m, address=False)
        else:
            text = f"{f} " + _describe_matcher(m, address=f in ADDRESS_FIELDS)
        return f"not ({text})" if self.negate else text


@dataclass(frozen=True)
class Criteria:
    """All of `terms` must match. Build one with `Criteria.of(**criteria)`."""

    terms: tuple[Term, ...] = field(default_factory=tuple)

    @classmethod
    def of(
        cls,
        *,
        to: Matcher | None = None,
        sender: Matcher | None = None,
        from_: Matcher | None = None,
        cc: Matcher | None = None,
        bcc: Matcher | None = None,
        subject: Matcher | None = None,
        text: Matcher | None = None,
        html: Matcher | None = None,
        body: Matcher | None = None,
        header: HeaderCriterion | None = None,
        has_attachment: AttachmentCriterion | None = None,
        where: Callable[[Message], bool] | None = None,
    ) -> Criteria:
        terms: list[Term] = []
        simple = {
            "to": to,
            "sender": sender,
            "from_": from_,
            "cc": cc,
            "bcc": bcc,
            "subject": subject,
            "text": text,
            "html": html,
            "body": body,
        }
        for name, matcher in simple.items():
            if matcher is not None:
                _check_matcher(name, matcher)
                terms.append(Term(name, matcher))
        if header is not None:
            terms.extend(_header_terms(header))
        if has_attachment is not None:
            if not isinstance(has_attachment, bool):
                _check_matcher("has_attachment", has_attachment)
            terms.append(Term("has_attachment", has_attachment))
        if where is not None:
            if not callable(where):
                raise CriteriaError("where= takes a callable: where=lambda msg: ...")
            terms.append(Term("where", where))
        return cls(tuple(terms))

    @classmethod
    def build(cls, criteria: Mapping[str, Any]) -> Criteria:
        """`of(**criteria)`, but an unknown name is a CriteriaError naming the valid
        ones (a typo such as `recipient=` would otherwise be a bare TypeError)."""
        unknown = sorted(set(criteria) - set(CRITERIA))
        if unknown:
            raise CriteriaError(
                f"unknown criterion {', '.join(map(repr, unknown))}; "
                f"use one of: {', '.join(CRITERIA)}"
            )
        return cls.of(**criteria)

    def matches(self, message: Message) -> bool:
        return all(term.matches(message) for term in self.terms)

    def filter(self, messages: Iterable[Message]) -> list[Message]:
        return [m for m in messages if self.matches(m)]

    def describe(self) -> str:
        return " and ".join(t.describe() for t in self.terms) or "any message"

    def __bool__(self) -> bool:
        return bool(self.terms)


def _header_terms(header: HeaderCriterion) -> list[Term]:
    if isinstance(header, str):
        return [Term("header", (header, None))]
    if isinstance(header, tuple):
        if len(header) != 2 or not isinstance(header[0], str):
            raise CriteriaError("header= takes a name, a (name, matcher) pair or a dict")
        _check_matcher("header", header[1])
        return [Term("header", header)]
    if isinstance(header, Mapping):
        terms = []
        for name, matcher in header.items():
            _check_matcher("header", matcher)
            terms.append(Term("header", (name, matcher)))
        return terms
    raise CriteriaError("header= takes a name, a (name, matcher) pair or a dict")


def describe_arrivals(messages: list[Message], limit: int = 20) -> str:
    """The list of what did arrive, for a failed wait or assertion."""
    if not messages:
        return "No message arrived."
    lines = [f"{len(messages)} message(s) arrived:"]
    for index, message in enumerate(messages[:limit], start=1):
        lines.append(f"  {index}. {message.summary()}")
    if len(messages) > limit:
        lines.append(f"  ... and {len(messages) - limit} more")
    return "\n".join(lines)
