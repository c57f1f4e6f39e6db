"""Criteria matching, shared by MailServer, the pytest fixture and the HTTP API.

A criterion names a field of a message and a matcher:

- a `str`: for address fields (`to`, `sender`, `from_`, `cc`, `bcc`) the address
  itself, compared without regard to case; for text fields (`subject`, `text`,
  `html`, `body`, header values) a substring;
- a compiled regex: `search`ed in the field (addresses: in `addr` and `Name <addr>`);
- a callable: given the field's value (each address in turn), true to match;
- a `Caseless(text)`: a substring, compared without regard to case (addresses: in
  the address or the display name). The search language below makes these.

`Criteria(...)` ANDs its terms. `describe()` spells them out for failure messages,
which is why the matchers are data and not closures.

The search language (`Criteria.parse`) is the one of the HTTP API's `query=`
parameter. It keeps the meaning of Mailpit's search (mailpit.axllent.org, "Using
search filters"; its `internal/storage/search.go`); where it differs, and why, is in
docs/http-api.md. Chiefly: a term it cannot read is an error saying where (Mailpit
ignores it or searches for it as text), and a quoted `"name:..."` is text, not a
term. The grammar:

    query   = *space [term *(1*space term) *space]
    term    = ["-" / "!"] (named / text)    ; "-" or "!": leave matches out
    named   = name ":" value                ; name: one of _NAMED, any case
    value   = 1*(chars / phrase)
    text    = 1*(chars / phrase)            ; subject, address, body, file name
    chars   = 1*(any but space and DQUOTE)
    phrase  = DQUOTE *(any but DQUOTE) DQUOTE   ; no escapes, as in Mailpit
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from functools import cached_property, partial
from itertools import filterfalse
from operator import attrgetter
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


class QuerySyntaxError(CriteriaError):
    """A search-language query that cannot be read.

    `position` is the 0-based column where the problem starts, `reason` says what is
    wrong and what would be right; `str()` gives both, ready for a 400 response.
    """

    def __init__(self, query: str, position: int, reason: str) -> None:
        super().__init__(f"bad query at column {position}: {reason}")
        self.query = query
        self.position = position
        self.reason = reason

    def __reduce__(self) -> tuple[type[QuerySyntaxError], tuple[str, int, str]]:
        return (type(self), (self.query, self.position, self.reason))


@dataclass(frozen=True)
class Caseless:
    """Matcher: `text` is a substring of the value, compared without regard to case.

    Given an `Address`, the address or the display name may hold it. The needle is
    case-folded once, here, so a search over many messages folds only the values.
    """

    text: str
    folded: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "folded", self.text.casefold())

    def __call__(self, value: str) -> bool:
        if self.folded in value.casefold():
            return True
        return isinstance(value, Address) and self.folded in value.name.casefold()


def _describe_matcher(matcher: object, *, address: bool) -> str:
    if isinstance(matcher, str):
        return f"== {matcher!r}" if address else f"contains {matcher!r}"
    if isinstance(matcher, re.Pattern):
        return f"matches /{matcher.pattern}/"
    if isinstance(matcher, Caseless):
        return f"contains {matcher.text!r} (ignoring case)"
    name = getattr(matcher, "__name__", repr(matcher))
    return f"satisfies {name}()"


def _match_text(matcher: Matcher, value: str | None) -> bool:
    if value is None:
        return False
    if isinstance(matcher, str):
        return matcher in value
    if isinstance(matcher, Caseless):
        return matcher.folded in value.casefold()
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


def _match_pairs(matcher: Matcher, pairs: Iterable[tuple[str, str]]) -> bool:
    """Any of a header's (addr, name) pairs, as the light summary keeps them."""
    return any(_match_address(matcher, Address(addr, name)) for addr, name in pairs)


def _check_matcher(name: str, matcher: object) -> None:
    if not (isinstance(matcher, (str, re.Pattern)) or callable(matcher)):
        raise CriteriaError(
            f"{name}= takes a string, a compiled regex or a callable, not {type(matcher).__name__}"
        )
    # Fields are text: a bytes pattern would only fail later, inside a wait.
    if isinstance(matcher, re.Pattern) and not isinstance(matcher.pattern, str):
        raise CriteriaError(f"{name}= takes a str regex, not a bytes one: {matcher.pattern!r}")


# -- one function per field: (matcher, message) -> matched ---------------------------


def _to(m: Any, message: Message) -> bool:
    return any(_match_address(m, r) for r in message.recipients)


def _sender(m: Any, message: Message) -> bool:
    return _match_address(m, message.sender)


def _from_(m: Any, message: Message) -> bool:
    return message.from_ is not None and _match_address(m, message.from_)


def _cc(m: Any, message: Message) -> bool:
    return _match_pairs(m, message.summary_fields.cc)


def _bcc(m: Any, message: Message) -> bool:
    return any(_match_address(m, a) for a in message.bcc)


def _subject(m: Any, message: Message) -> bool:
    return _match_text(m, message.summary_fields.subject)


def _text(m: Any, message: Message) -> bool:
    return _match_text(m, message.text)


def _html(m: Any, message: Message) -> bool:
    return _match_text(m, message.html)


def _body(m: Any, message: Message) -> bool:
    return _match_text(m, message.text) or _match_text(m, message.html)


def _header(m: Any, message: Message) -> bool:
    name, value = m
    values = message.headers.get_all(name)
    if value is None:
        return bool(values)
    return any(_match_text(value, v) for v in values)


def _has_attachment(m: Any, message: Message) -> bool:
    if isinstance(m, bool):
        return bool(message.attachments) == m
    return any(_match_text(m, a.filename or "") for a in message.attachments)


def _where(m: Any, message: Message) -> bool:
    return bool(m(message))


# Fields the search language adds.


def _to_any(m: Any, message: Message) -> bool:
    """`to:`: an envelope recipient (so a blind copy too) or a To header address."""
    return _to(m, message) or _match_pairs(m, message.summary_fields.to)


def _from_any(m: Any, message: Message) -> bool:
    """`from:`: the envelope sender (MAIL FROM) or the From header address."""
    pair = message.summary_fields.from_
    return _sender(m, message) or (pair is not None and _match_pairs(m, (pair,)))


def _reply_to(m: Any, message: Message) -> bool:
    return _match_pairs(m, message.summary_fields.reply_to)


def _addressed(m: Any, message: Message) -> bool:
    """`addressed:` any of From, To, Cc, Reply-To and the envelope (which holds Bcc)."""
    return _from_any(m, message) or _to_any(m, message) or _cc(m, message) or _reply_to(m, message)


def _message_id(m: Any, message: Message) -> bool:
    return _match_text(m, message.summary_fields.message_id)


def _words(m: Any, message: Message) -> bool:
    """Bare words and phrases: the subject, any address, the bodies, attachment names
    (what Mailpit's text search covers). The header fields come first: they are in
    the light summary, the rest needs the whole message parsed."""
    return _subject(m, message) or _addressed(m, message) or _beyond_headers(m, message)


def _beyond_headers(m: Any, message: Message) -> bool:
    return _body(m, message) or any(
        _match_text(m, a.filename) for a in message.attachments if a.filename
    )


def _read(m: Any, message: Message) -> bool:
    return bool(message.read) is m


def _received_at(message: Message) -> datetime:
    when = message.received_at
    # A Message made by hand may carry a naive time; the server's are UTC.
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def _received_before(m: Any, message: Message) -> bool:
    return bool(_received_at(message) < m)


def _received_after(m: Any, message: Message) -> bool:
    return bool(_received_at(message) >= m)


def _size_larger(m: Any, message: Message) -> bool:
    return bool(message.size > m)


def _size_smaller(m: Any, message: Message) -> bool:
    return bool(message.size < m)


def _has(m: Any, message: Message) -> bool:
    """`has:attachment`: a part that is not inline; `has:inline`: an inline one (as in
    Mailpit, which counts the two apart)."""
    inline = m == "inline"
    return any(a.inline is inline for a in message.attachments)


_MATCH: dict[str, Callable[[Any, Message], bool]] = {
    "to": _to,
    "sender": _sender,
    "from_": _from_,
    "cc": _cc,
    "bcc": _bcc,
    "subject": _subject,
    "text": _text,
    "html": _html,
    "body": _body,
    "header": _header,
    "has_attachment": _has_attachment,
    "where": _where,
    "to_any": _to_any,
    "from_any": _from_any,
    "reply_to": _reply_to,
    "addressed": _addressed,
    "message_id": _message_id,
    "words": _words,
    "read": _read,
    "received_before": _received_before,
    "received_after": _received_after,
    "size_larger": _size_larger,
    "size_smaller": _size_smaller,
    "has": _has,
}

# How describe() names the fields whose name alone would not say it.
_LABELS = {
    "to_any": "To or envelope recipient",
    "from_any": "From or envelope sender",
    "reply_to": "Reply-To",
    "addressed": "any address",
    "message_id": "Message-ID",
    "words": "subject, address or body",
}
_ADDRESS_LABELLED = ("to_any", "from_any", "reply_to", "addressed")


# -- compiled tests: a Caseless needle on a header field ---------------------------------
# A search runs its terms against every stored message, and the language's terms are
# mostly a Caseless needle on a field of the light header summary. Those get a test
# of their own: one call per message, reading the summary's strings as they are and
# making no Address. They agree with the generic functions above, which serve every
# other matcher (tests/test_query_language.py checks that they agree).

Test = Callable[[Message], bool]


def _folded_search_text(field: str) -> Callable[[Caseless], Test]:
    """For the fields `Message.search_text` folds: subject, to, from."""

    def compile_test(matcher: Caseless) -> Test:
        needle = matcher.folded

        def test(message: Message) -> bool:
            return needle in message.search_text(field)

        return test

    return compile_test


_folded_subject = _folded_search_text("subject")


def _folded_message_id(matcher: Caseless) -> Test:
    needle = matcher.folded

    def test(message: Message) -> bool:
        value = message.summary_fields.message_id
        return value is not None and needle in value.casefold()

    return test


def _folded_pairs(name: str) -> Callable[[Caseless], Test]:
    """For the summary's (addr, name) lists: `cc`, `reply_to`."""
    pairs_of = attrgetter(name)

    def compile_test(matcher: Caseless) -> Test:
        needle = matcher.folded

        def test(message: Message) -> bool:
            for addr, display in pairs_of(message.summary_fields):
                if needle in addr.casefold() or needle in display.casefold():
                    return True
            return False

        return test

    return compile_test


def _folded_addressed(matcher: Caseless) -> Test:
    tests = tuple(_FOLDED[f](matcher) for f in ("from_any", "to_any", "cc", "reply_to"))

    def test(message: Message) -> bool:
        for one in tests:  # noqa: SIM110  (a plain loop: no genexpr)
            if one(message):
                return True
        return False

    return test


def _folded_words(matcher: Caseless) -> Test:
    subject, addressed = _folded_subject(matcher), _folded_addressed(matcher)

    def test(message: Message) -> bool:
        return subject(message) or addressed(message) or _beyond_headers(matcher, message)

    return test


_FOLDED: dict[str, Callable[[Caseless], Test]] = {
    "subject": _folded_subject,
    "message_id": _folded_message_id,
    "to_any": _folded_search_text("to"),
    "from_any": _folded_search_text("from"),
    "cc": _folded_pairs("cc"),
    "reply_to": _folded_pairs("reply_to"),
    "addressed": _folded_addressed,
    "words": _folded_words,
}


def _unknown_field(name: str, message: Message) -> bool:
    raise CriteriaError(f"unknown field {name!r}")


@dataclass(frozen=True)
class Term:
    """One field compared with one matcher; `negate` inverts it."""

    field: str
    matcher: Any
    negate: bool = False

    def matches(self, message: Message) -> bool:
        return self._test(message) != self.negate

    @cached_property
    def _test(self) -> Test:
        """Whether a message matches, `negate` aside; made once per term."""
        # The compiled tests search text joined with NUL: a needle holding NUL
        # would match across two values, so it takes the general path.
        if (
            isinstance(self.matcher, Caseless)
            and self.field in _FOLDED
            and "\0" not in self.matcher.folded
        ):
            return _FOLDED[self.field](self.matcher)
        match = _MATCH.get(self.field)
        if match is None:  # reported when used, as Term() itself does not check
            return partial(_unknown_field, self.field)
        return partial(match, self.matcher)

    def __getstate__(self) -> dict[str, Any]:
        # The cached test is a closure: leave it out of a pickle or a copy.
        state = dict(self.__dict__)
        state.pop("_test", None)
        return state

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
        elif f == "read":
            text = "is read" if m else "is unread"
        elif f == "received_before":
            text = f"received before {_describe_time(m)}"
        elif f == "received_after":
            text = f"received at or after {_describe_time(m)}"
        elif f == "size_larger":
            text = f"larger than {m} bytes"
        elif f == "size_smaller":
            text = f"smaller than {m} bytes"
        elif f == "has":
            text = "has an inline part" if m == "inline" else "has an attachment (not inline)"
        else:
            address = f in ADDRESS_FIELDS or f in _ADDRESS_LABELLED
            text = f"{_LABELS.get(f, f)} " + _describe_matcher(m, address=address)
        return f"not ({text})" if self.negate else text


def _describe_time(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else repr(value)


@dataclass(frozen=True)
class Criteria:
    """All of `terms` must match. Build one with `Criteria.of(**criteria)`, or from
    the search language with `Criteria.parse(text)`."""

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

    @classmethod
    def parse(cls, text: str, *, now: datetime | None = None) -> Criteria:
        """The criteria a search-language query asks for (see the module docstring
        and docs/http-api.md); an empty query matches every message.

        `now` is the reference time for relative dates. Mailpit documents none (its
        `before:`/`after:` take dates and times), so none are read yet and `now`
        changes nothing; callers pass it so that adding them changes no caller.

        Raises `QuerySyntaxError` (a `CriteriaError`) saying where and what is wrong.
        """
        del now  # reserved: see above
        return cls(tuple(_parse_terms(text)))

    def matches(self, message: Message) -> bool:
        # A plain loop, not all(genexpr): a search calls this once per message.
        for term in self.terms:  # noqa: SIM110
            if term._test(message) == term.negate:
                return False
        return True

    def filter(self, messages: Iterable[Message]) -> list[Message]:
        # Term by term over what is left: the first (often a cheap header term)
        # narrows the list the others, maybe body terms, look through; the built-in
        # filter() drives the loop, so a message costs one Python call per term.
        found = list(messages)
        for term in self.terms:
            found = list((filterfalse if term.negate else filter)(term._test, found))
        return found

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


# -- the search language ---------------------------------------------------------------

# A token is a run of non-space characters and "quoted phrases" (which may hold
# spaces), as Mailpit splits a query; the quotes go, the text between them stays.
_NOT_SPACE = re.compile(r"\S")
_TOKEN = re.compile(r'(?:"[^"]*"|[^\s"]+)+')
_SEGMENT = re.compile(r'"([^"]*)"|[^\s"]+')
# A term's name: an ASCII word before the colon. A colon after anything else
# ("10:30") is text; so is a URL ("https://..."), whose scheme looks like a name.
_NAME = re.compile(r"([A-Za-z][A-Za-z0-9-]*):(?!//)")


@dataclass(frozen=True)
class _Segment:
    text: str
    quoted: bool
    start: int  # column of text[0] in the query (after the quote, if quoted)


def _skip_space(query: str, position: int) -> int:
    found = _NOT_SPACE.search(query, position)
    return found.start() if found else len(query)


def _tokens(query: str) -> Iterator[list[_Segment]]:
    position = _skip_space(query, 0)
    while position < len(query):
        token = _TOKEN.match(query, position)
        end = token.end() if token else position
        if end < len(query) and query[end] == '"':
            raise QuerySyntaxError(query, end, 'unterminated quote: end the phrase with another "')
        assert token is not None  # only a lone quote stops _TOKEN short of a space
        yield [
            _Segment(s.group(1), True, s.start() + 1)
            if s.group(1) is not None
            else _Segment(s.group(0), False, s.start())
            for s in _SEGMENT.finditer(query, position, end)
        ]
        position = _skip_space(query, end)


def _parse_terms(query: str) -> Iterator[Term]:
    for segments in _tokens(query):
        yield _term(query, segments)


def _term(query: str, segments: list[_Segment]) -> Term:
    first = segments[0]
    start = first.start - 1 if first.quoted else first.start
    negate = False
    if not first.quoted and first.text[0] in "-!":
        # "-" or "!" before a term leaves its matches out (Mailpit takes both).
        negate = True
        rest = first.text[1:]
        segments = [_Segment(rest, False, first.start + 1), *segments[1:]] if rest else segments[1:]
        if not segments:
            raise QuerySyntaxError(
                query,
                start,
                f"{first.text[0]!r} must be followed by what to leave out, "
                'as in -from:noreply@example.com or -"out of office"',
            )
        first = segments[0]
    name = None if first.quoted else _NAME.match(first.text)
    if name is None:
        text = "".join(s.text for s in segments)
        if not text:
            raise QuerySyntaxError(query, start, 'empty quotes: put the words to find inside ""')
        return Term("words", Caseless(text), negate)
    value = first.text[name.end() :] + "".join(s.text for s in segments[1:])
    written = name.group(1)
    spec = _NAMED.get(written.lower())
    if spec is None:
        raise QuerySyntaxError(query, first.start, _unknown(written))
    if not value:
        raise QuerySyntaxError(
            query, first.start, f"'{written}:' needs a value after the colon, as in {spec.example}"
        )
    where = first.start + name.end()
    return spec.build(_Value(query, written, value, where), negate)


def _unknown(written: str) -> str:
    known = ", ".join(f"{n}:" for n in _NAMED)
    unsupported = _UNSUPPORTED.get(written.lower())
    if unsupported:
        return f"'{written}:' is Mailpit's, but {unsupported}; use one of {known}"
    return (
        f"unknown term {written + ':'!r}; use one of {known} "
        f'(to find text with a colon in it, quote it: "{written}:...")'
    )


@dataclass(frozen=True)
class _Value:
    """A named term's value, with what it takes to explain a bad one."""

    query: str
    name: str  # the term's name as written
    text: str
    start: int  # its column

    def error(self, reason: str) -> QuerySyntaxError:
        return QuerySyntaxError(self.query, self.start, f"'{self.name}:' {reason}")


@dataclass(frozen=True)
class _Named:
    build: Callable[[_Value, bool], Term]
    example: str


def _address_term(field_name: str) -> Callable[[_Value, bool], Term]:
    def build(value: _Value, negate: bool) -> Term:
        # `to:<ann@example.com>` as pasted from a header: the brackets are not part
        # of the address (Mailpit drops them from the query too).
        text = value.text.strip("<>")
        if not text:
            raise value.error(f"takes an address or a name, not {value.text!r}")
        return Term(field_name, Caseless(text), negate)

    return build


def _text_term(field_name: str) -> Callable[[_Value, bool], Term]:
    def build(value: _Value, negate: bool) -> Term:
        return Term(field_name, Caseless(value.text), negate)

    return build


def _message_id_term(value: _Value, negate: bool) -> Term:
    text = value.text.strip("<>")  # stored with its brackets; either way finds it
    if not text:
        raise value.error(f"takes a Message-ID, not {value.text!r}")
    return Term("message_id", Caseless(text), negate)


# A header field name is printable US-ASCII other than the colon (RFC 5322 section
# 3.6.8, ftext).
_HEADER_NAME = re.compile(r"[!-9;-~]+")


def _header_term(value: _Value, negate: bool) -> Term:
    name, equals, wanted = value.text.partition("=")
    if not _HEADER_NAME.fullmatch(name):
        raise value.error(
            f"takes a header name, then =value if the value matters, as in "
            f"header:X-Campaign=spring; {name!r} is not a header name"
        )
    if equals and not wanted:
        raise value.error(f"needs a value after '=', or no '=' to ask only that {name} is there")
    return Term("header", (name, Caseless(wanted) if equals else None), negate)


def _has_term(value: _Value, negate: bool) -> Term:
    # Mailpit takes the plural forms too.
    kinds = {"attachment": "attachment", "attachments": "attachment"}
    kinds.update({"inline": "inline", "inlines": "inline"})
    kind = kinds.get(value.text.lower())
    if kind is None:
        raise value.error(f"takes attachment or inline, not {value.text!r}")
    return Term("has", kind, negate)


def _is_term(value: _Value, negate: bool) -> Term:
    state = {"read": True, "unread": False}.get(value.text.lower())
    if state is None:
        if value.text.lower() == "tagged":
            raise value.error(f"takes read or unread (is:tagged is Mailpit's, but {_TAGS})")
        raise value.error(f"takes read or unread, not {value.text!r}")
    return Term("read", state, negate)


# Dates: YYYY-MM-DD (or Mailpit's advised YYYY/MM/DD), optionally a time and a UTC
# offset. A date alone is midnight UTC starting that day; a time without an offset
# is UTC. ASCII digits only: int() would take other scripts' digits too.
_DATE = re.compile(
    r"(?P<y>\d{4})(?P<sep>[-/])(?P<mo>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    r"(?:[Tt ](?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,6}))?)?"
    r"(?P<tz>[Zz]|[+-]\d{2}:?\d{2})?)?",
    re.ASCII,
)


def _parse_when(value: _Value) -> datetime:
    found = _DATE.fullmatch(value.text)
    try:
        if found is None:
            raise ValueError(value.text)
        part = found.groupdict()
        tz = timezone.utc
        if part["tz"] and part["tz"] not in ("Z", "z"):
            sign = -1 if part["tz"][0] == "-" else 1
            hours, minutes = int(part["tz"][1:3]), int(part["tz"][-2:])
            if minutes >= 60:
                raise ValueError(part["tz"])
            tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
        return datetime(
            int(part["y"]),
            int(part["mo"]),
            int(part["d"]),
            int(part["h"] or 0),
            int(part["mi"] or 0),
            int(part["s"] or 0),
            int((part["f"] or "0").ljust(6, "0")),
            tzinfo=tz,
        )
    except ValueError:
        raise value.error(
            "takes a date such as 2024-04-01 or 2024/04/01 (midnight UTC), or a time "
            f"such as 2024-04-01T10:30:00Z or 2024-04-01T12:30+02:00, not {value.text!r}"
        ) from None


def _before_term(value: _Value, negate: bool) -> Term:
    return Term("received_before", _parse_when(value), negate)


def _after_term(value: _Value, negate: bool) -> Term:
    return Term("received_after", _parse_when(value), negate)


# Sizes as Mailpit reads them: a number of bytes, or K/KB and M/MB in units of 1024
# (any case, a fraction allowed: 1.5M). B for bytes is ours.
_SIZE = re.compile(r"(\d{1,20}(?:\.\d{1,9})?) ?(b|kb?|mb?)?", re.ASCII | re.IGNORECASE)
_UNIT = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2}


def _parse_size(value: _Value) -> int:
    found = _SIZE.fullmatch(value.text)
    if found is None:
        raise value.error(
            f"takes a size such as 500, 10K or 2.5MB (K = 1024 bytes), not {value.text!r}"
        )
    number, unit = found.groups()
    return int(Fraction(number) * _UNIT[(unit or "").lower()])


def _larger_term(value: _Value, negate: bool) -> Term:
    return Term("size_larger", _parse_size(value), negate)


def _smaller_term(value: _Value, negate: bool) -> Term:
    return Term("size_smaller", _parse_size(value), negate)


_NAMED: dict[str, _Named] = {
    "to": _Named(_address_term("to_any"), "to:ann@example.com"),
    "from": _Named(_address_term("from_any"), "from:noreply@example.com"),
    "cc": _Named(_address_term("cc"), "cc:carol@example.com"),
    "bcc": _Named(_address_term("bcc"), "bcc:audit@example.com"),
    "reply-to": _Named(_address_term("reply_to"), "reply-to:support@example.com"),
    "addressed": _Named(_address_term("addressed"), "addressed:ann@example.com"),
    "subject": _Named(_text_term("subject"), 'subject:"order shipped"'),
    "body": _Named(_text_term("body"), "body:unsubscribe"),
    "message-id": _Named(_message_id_term, "message-id:1234@example.com"),
    "header": _Named(_header_term, "header:X-Campaign=spring"),
    "has": _Named(_has_term, "has:attachment"),
    "is": _Named(_is_term, "is:unread"),
    "before": _Named(_before_term, "before:2024-04-01"),
    "after": _Named(_after_term, "after:2024-04-01T10:30:00Z"),
    "larger": _Named(_larger_term, "larger:10K"),
    "smaller": _Named(_smaller_term, "smaller:2MB"),
}

# Mailpit's terms for what mailtrap-py does not have.
_TAGS = "mailtrap-py does not tag messages"
_UNSUPPORTED = {"tag": _TAGS}
