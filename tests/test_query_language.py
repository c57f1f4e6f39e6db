"""The search language: `Criteria.parse(text)`, shared by the HTTP API and Python.

It keeps the meaning of Mailpit's search (mailpit.axllent.org, "Using search
filters"), so the examples of that page are checked here too.
"""

from __future__ import annotations

import copy
import pickle
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailtrap_py.message import Message
from mailtrap_py.query import (
    _FOLDED,
    _MATCH,
    Caseless,
    Criteria,
    CriteriaError,
    QuerySyntaxError,
    Term,
)

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
UTC = timezone.utc
ARRIVED = datetime(2024, 4, 1, 10, 30, tzinfo=UTC)


def order_shipped(*, read: bool = False, received_at: datetime = ARRIVED) -> Message:
    """A rich message: display names, Cc, Reply-To, a blind copy, HTML, an attachment."""
    msg = EmailMessage()
    msg["From"] = "Shop Team <shop@store.example>"
    msg["To"] = "Ann Lee <ann@example.com>"
    msg["Cc"] = "Carol Diaz <carol@example.com>"
    msg["Reply-To"] = "Support Desk <help@store.example>"
    msg["Subject"] = "Your order #42 has shipped"
    msg["Message-ID"] = "<order-42.shipped@store.example>"
    msg["X-Campaign"] = "Spring-Sale"
    msg.set_content("Hello Ann,\nyour parcel is on its way.\n")
    msg.add_alternative("<p>Hello <b>Ann</b>, your parcel is on its way.</p>\n", subtype="html")
    msg.add_attachment(b"%PDF", maintype="application", subtype="pdf", filename="invoice-42.pdf")
    message = Message(
        msg.as_bytes(policy=policy.SMTP),
        sender="bounce+42@store.example",
        recipients=["ann@example.com", "audit@store.example"],  # audit: a blind copy
        received_at=received_at,
    )
    message.read = read
    return message


def disk_alert(*, read: bool = True) -> Message:
    """A bare message: plain addresses, no Cc, Reply-To nor Message-ID, an inline image."""
    msg = EmailMessage()
    msg["From"] = "alerts@monitor.example"
    msg["To"] = "ops@example.com"
    msg["Subject"] = "Disk almost full"
    msg.set_content("Disk usage is at 95%.\n")
    msg.add_alternative('<p>Disk usage <img src="cid:graph"></p>\n', subtype="html")
    html = msg.get_body(preferencelist=("html",))
    assert isinstance(html, EmailMessage)
    html.add_related(
        b"\x89PNG",
        maintype="image",
        subtype="png",
        cid="<graph>",
        filename="graph.png",
        disposition="inline",
    )
    message = Message(
        msg.as_bytes(policy=policy.SMTP),
        sender="monitor@monitor.example",
        recipients=["ops@example.com"],
        received_at=ARRIVED + timedelta(days=3),
    )
    message.read = read
    return message


ORDER, ALERT = order_shipped(), disk_alert()


def found(query: str, message: Message) -> bool:
    return Criteria.parse(query).matches(message)


# -- each term, matching and not ---------------------------------------------------------

TERMS = [
    # (query, matches the order message, matches the disk alert)
    # to: an envelope recipient or a To address or name; a substring, any case.
    ("to:ann@example.com", True, False),
    ("to:ANN@EXAMPLE", True, False),
    ('to:"ann lee"', True, False),
    ("to:audit@store", True, False),  # a blind copy is an envelope recipient
    ("to:<ann@example.com>", True, False),  # brackets as pasted from a header
    ("to:ops@", False, True),
    ("to:carol", False, False),  # in Cc, not To nor the envelope
    # from: the envelope sender or the From address or name.
    ("from:shop@store", True, False),
    ('from:"shop team"', True, False),
    ("from:bounce+42", True, False),  # MAIL FROM
    ("from:monitor.example", False, True),
    ("from:ann", False, False),
    # cc: and bcc: (envelope recipients that no To or Cc names).
    ("cc:carol", True, False),
    ('cc:"Carol Diaz"', True, False),
    ("cc:ann", False, False),
    ("bcc:audit@store.example", True, False),
    ("bcc:ann", False, False),  # named in To: not a blind copy
    # Mailpit's reply-to: and addressed:.
    ("reply-to:help@store", True, False),
    ('reply-to:"support desk"', True, False),
    ("reply-to:shop", False, False),
    ("addressed:help@", True, False),
    ("addressed:audit", True, False),
    ("addressed:carol", True, False),
    ("addressed:bounce+42", True, False),
    ("addressed:ops@example.com", False, True),
    ("addressed:nobody", False, False),
    # subject:, body: (the text or the HTML), message-id:.
    ('subject:"order #42"', True, False),
    ("subject:DISK", False, True),
    ("subject:parcel", False, False),  # in the body only
    ("body:parcel", True, False),
    ('body:"<b>Ann</b>"', True, False),  # the HTML as it is
    ("body:95%", False, True),
    ("body:shipped", False, False),  # in the subject only
    ("message-id:order-42", True, False),
    ("message-id:<order-42.shipped@store.example>", True, False),
    ("message-id:disk", False, False),
    # header:Name (present) and header:Name=value (a substring, any case).
    ("header:X-Campaign", True, False),
    ("header:x-campaign=spring", True, False),
    ('header:X-Campaign="SPRING-sale"', True, False),
    ("header:X-Campaign=autumn", False, False),
    ("header:X-Missing", False, False),
    ("header:Content-Type=multipart/alternative", False, True),
    # has:attachment (not inline) and has:inline, as Mailpit counts them.
    ("has:attachment", True, False),
    ("has:attachments", True, False),
    ("has:inline", False, True),
    ("has:INLINES", False, True),
    # is:read / is:unread (the order is unread, the alert read).
    ("is:read", False, True),
    ("is:unread", True, False),
    ("IS:Unread", True, False),
    # Bare words and phrases: subject, addresses, bodies, attachment names.
    ("parcel", True, False),
    ("PARCEL", True, False),
    ('"hello ann"', True, False),
    ('"ann hello"', False, False),
    ("shipped", True, False),
    ('"ann lee"', True, False),  # a display name
    ("audit@store", True, False),  # an envelope address
    ("invoice-42.pdf", True, False),  # an attachment's name
    ("95%", False, True),
    ("disk", False, True),
    ("https://store.example", False, False),  # a URL is text, not a term
    ("10:30", False, False),  # so is a time
    ("nothing-like-this", False, False),
]


@pytest.mark.parametrize(("query", "in_order", "in_alert"), TERMS)
def test_each_term_and_its_negation(query: str, in_order: bool, in_alert: bool) -> None:
    assert found(query, ORDER) is in_order
    assert found(query, ALERT) is in_alert
    # A leading "-" or "!" (Mailpit takes both) leaves the matches out.
    for sign in "-!":
        negated = Criteria.parse(sign + query)
        assert [t.negate for t in negated.terms] == [True]
        assert negated.matches(ORDER) is not in_order
        assert negated.matches(ALERT) is not in_alert


def test_names_and_values_ignore_case_unicode_too() -> None:
    msg = Message(
        "Subject: Grüße aus der Straße\r\n\r\nHi\r\n".encode(),
        sender="x@example.com",
        recipients=["y@example.com"],
    )
    assert found("SUBJECT:GRÜSSE", msg)
    assert found('subject:"aus der strasse"', msg)  # case-folded: ß is ss
    assert not found("subject:grüsse-x", msg)


# -- quoting -----------------------------------------------------------------------------


def test_a_phrase_is_one_term_with_its_spaces() -> None:
    assert Criteria.parse('"order  shipped"').terms == (Term("words", Caseless("order  shipped")),)
    assert Criteria.parse('subject:"order shipped"').terms == (
        Term("subject", Caseless("order shipped")),
    )


def test_quotes_can_start_mid_word_and_are_dropped_as_in_mailpit() -> None:
    assert Criteria.parse('header:X-Campaign="spring sale"').terms == (
        Term("header", ("X-Campaign", Caseless("spring sale"))),
    )
    assert Criteria.parse('ab"c d"e').terms == (Term("words", Caseless("abc de")),)


def test_a_quoted_name_is_text_not_a_term() -> None:
    assert Criteria.parse('"subject:order"').terms == (Term("words", Caseless("subject:order")),)
    assert Criteria.parse('"size:10"').terms == (Term("words", Caseless("size:10")),)
    assert Criteria.parse('"-spam"').terms == (Term("words", Caseless("-spam")),)


def test_a_negated_phrase() -> None:
    assert Criteria.parse('-"spam words"').terms == (
        Term("words", Caseless("spam words"), negate=True),
    )
    assert not found('-"your parcel"', ORDER)
    assert found('-"your parcel"', ALERT)


def test_only_the_first_minus_negates() -> None:
    assert Criteria.parse("--x").terms == (Term("words", Caseless("-x"), negate=True),)


def test_whitespace_of_any_kind_separates_terms() -> None:
    assert len(Criteria.parse(" a\tb\nc\u00a0d  ").terms) == 4


# -- combining ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "in_order", "in_alert"),
    [
        ("to:ann subject:order has:attachment", True, False),
        ("to:ann subject:disk", False, False),  # every term must match
        ("to:ann -subject:order", False, False),
        ("-to:ann -from:shop", False, True),
        ("is:read disk -has:attachment", False, True),
        ("parcel !invoice", False, False),
        ("ann -lee", False, False),  # Mailpit's `john !doe`
        ("", True, True),  # the empty query matches everything
        ("   ", True, True),
    ],
)
def test_terms_are_anded(query: str, in_order: bool, in_alert: bool) -> None:
    assert found(query, ORDER) is in_order
    assert found(query, ALERT) is in_alert


def test_filter_keeps_arrival_order_and_agrees_with_matches() -> None:
    messages = [ORDER, ALERT, order_shipped(read=True), disk_alert(read=False)]
    for query in ["", "is:read", "-is:read", "disk", "to:ann is:unread", "-to:ann -disk"]:
        criteria = Criteria.parse(query)
        assert criteria.filter(messages) == [m for m in messages if criteria.matches(m)]
    assert Criteria.parse("is:read").filter(messages) == [messages[1], messages[2]]
    assert Criteria.parse("-is:read -disk").filter(messages) == [messages[0]]


def test_empty_query_is_falsy_and_describes_itself() -> None:
    criteria = Criteria.parse("")
    assert not criteria
    assert criteria == Criteria.of()
    assert criteria.describe() == "any message"


# -- dates -------------------------------------------------------------------------------


def at(when: datetime) -> Message:
    return order_shipped(received_at=when)


@pytest.mark.parametrize(
    ("query", "bound"),
    [
        ("after:2024-04-01", datetime(2024, 4, 1, tzinfo=UTC)),
        ("after:2024/04/01", datetime(2024, 4, 1, tzinfo=UTC)),  # Mailpit's advised form
        ("after:2024/4/1", datetime(2024, 4, 1, tzinfo=UTC)),
        ("after:2024-04-01T10:30:00Z", datetime(2024, 4, 1, 10, 30, tzinfo=UTC)),
        ("after:2024-04-01t10:30z", datetime(2024, 4, 1, 10, 30, tzinfo=UTC)),
        ("after:2024-04-01T10:30", datetime(2024, 4, 1, 10, 30, tzinfo=UTC)),  # naive: UTC
        ('after:"2024-04-01 10:30:15.5"', datetime(2024, 4, 1, 10, 30, 15, 500000, tzinfo=UTC)),
        ("after:2024-04-01T12:30+02:00", datetime(2024, 4, 1, 10, 30, tzinfo=UTC)),
        ("after:2024-04-01T05:00-0530", datetime(2024, 4, 1, 10, 30, tzinfo=UTC)),
    ],
)
def test_dates_and_times_read(query: str, bound: datetime) -> None:
    (term,) = Criteria.parse(query).terms
    assert term.field == "received_after"
    assert term.matcher == bound
    before = Criteria.parse(query.replace("after:", "before:")).terms[0]
    assert (before.field, before.matcher) == ("received_before", bound)


def test_after_includes_its_instant_and_before_excludes_it() -> None:
    instant = datetime(2024, 4, 1, 10, 30, tzinfo=UTC)
    tick = timedelta(microseconds=1)
    after, before = (Criteria.parse(f"{t}:2024-04-01T10:30Z") for t in ("after", "before"))
    assert after.matches(at(instant)) and not before.matches(at(instant))
    assert before.matches(at(instant - tick)) and not after.matches(at(instant - tick))
    assert after.matches(at(instant + tick)) and not before.matches(at(instant + tick))


def test_a_date_alone_is_midnight_utc_so_a_day_is_after_then_before() -> None:
    day = Criteria.parse("after:2024-04-01 before:2024-04-02")
    assert day.matches(at(datetime(2024, 4, 1, 0, 0, tzinfo=UTC)))
    assert day.matches(at(datetime(2024, 4, 1, 23, 59, 59, tzinfo=UTC)))
    assert not day.matches(at(datetime(2024, 4, 2, 0, 0, tzinfo=UTC)))
    assert not day.matches(at(datetime(2024, 3, 31, 23, 59, tzinfo=UTC)))
    # An offset moves the instant: 01:00 at +02:00 is still March 31 in UTC.
    assert not day.matches(at(datetime(2024, 4, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))))


def test_negated_dates_split_time_in_two() -> None:
    for when in (ARRIVED - timedelta(seconds=1), ARRIVED, ARRIVED + timedelta(seconds=1)):
        message = at(when)
        assert found("-before:2024-04-01T10:30Z", message) == found(
            "after:2024-04-01T10:30Z", message
        )


def test_a_naive_arrival_time_counts_as_utc() -> None:
    naive = at(datetime(2024, 4, 1, 10, 30))
    assert found("after:2024-04-01T10:30Z", naive)
    assert not found("before:2024-04-01T10:30Z", naive)


def test_now_changes_nothing_as_there_are_no_relative_dates() -> None:
    # Mailpit documents no relative dates; `now` is kept for when there are some.
    query = "after:2024-04-01 before:2024-04-02T08:00+01:00 subject:x"
    early = Criteria.parse(query, now=datetime(2000, 1, 1, tzinfo=UTC))
    late = Criteria.parse(query, now=datetime(2100, 1, 1, tzinfo=UTC))
    assert early == late == Criteria.parse(query)
    with pytest.raises(QuerySyntaxError, match="not '2 hours ago'"):
        Criteria.parse('after:"2 hours ago"', now=ARRIVED)


# -- sizes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ("500", 500),
        ("500b", 500),
        ("0", 0),
        ("10K", 10 * 1024),  # K is 1024, as in Mailpit
        ("10k", 10 * 1024),
        ("10KB", 10 * 1024),
        ("10kb", 10 * 1024),
        ("2MB", 2 * 1024 * 1024),
        ("2m", 2 * 1024 * 1024),
        ("1.5M", 1024 * 1024 * 3 // 2),
        ("0.5k", 512),
        ("1.0001k", 1024),  # whole bytes, rounded down
        ('"10 K"', 10 * 1024),
    ],
)
def test_sizes_and_units(value: str, size: int) -> None:
    assert Criteria.parse(f"larger:{value} smaller:{value}").terms == (
        Term("size_larger", size),
        Term("size_smaller", size),
    )


def test_larger_and_smaller_are_strict() -> None:
    size = ORDER.size
    assert found(f"larger:{size - 1}", ORDER) and not found(f"larger:{size}", ORDER)
    assert found(f"smaller:{size + 1}", ORDER) and not found(f"smaller:{size}", ORDER)
    assert found(f"-larger:{size} -smaller:{size}", ORDER)  # exactly that size
    assert found("smaller:1M", ORDER) and not found("larger:1M", ORDER)


# -- errors say where and what -----------------------------------------------------------

NAMES = "to:, from:, cc:, bcc:, reply-to:, addressed:, subject:, body:, message-id:, header:"


@pytest.mark.parametrize(
    ("query", "position", "says"),
    [
        ("to:ann subject:x size:10", 17, "unknown term 'size:'; use one of " + NAMES),
        ("Foo:bar", 0, "unknown term 'Foo:'"),
        ("re: hello", 0, 'quote it: "re:..."'),
        ("-size:10", 1, "unknown term 'size:'"),
        ("tag:host-1", 0, "'tag:' is Mailpit's, but mailtrap-py does not tag messages"),
        ("is:tagged", 3, "is:tagged is Mailpit's, but mailtrap-py does not tag"),
        ("to:", 0, "'to:' needs a value after the colon, as in to:ann@example.com"),
        ("a  subject:", 3, "'subject:' needs a value"),
        ('from:""', 0, "'from:' needs a value"),
        ("-body:", 1, "'body:' needs a value"),
        ("to:<>", 3, "'to:' takes an address or a name, not '<>'"),
        ("message-id:<>", 11, "'message-id:' takes a Message-ID"),
        ('subject:"order', 8, "unterminated quote"),
        ('a "b c', 2, "unterminated quote"),
        ('x"y', 1, "unterminated quote"),
        ('"', 0, "unterminated quote"),
        ('ok "fine" -"open', 11, "unterminated quote"),
        ("-", 0, "'-' must be followed by what to leave out"),
        ("a ! b", 2, "'!' must be followed by what to leave out"),
        ('""', 0, "empty quotes"),
        ('x -""', 2, "empty quotes"),
        ("is:starred", 3, "'is:' takes read or unread, not 'starred'"),
        ("has:pdf", 4, "'has:' takes attachment or inline, not 'pdf'"),
        ("header:=x", 7, "'' is not a header name"),
        ('header:"X Y=1"', 7, "'X Y' is not a header name"),
        ("header:X-A=", 7, "needs a value after '='"),
        ("before:2024-13-01", 7, "'before:' takes a date such as 2024-04-01"),
        ("after:2024-02-30", 6, "not '2024-02-30'"),
        ("after:01/04/2024", 6, "not '01/04/2024'"),  # ambiguous: Mailpit reads it US-style
        ("after:2024-04-01T25:00", 6, "not '2024-04-01T25:00'"),
        ("after:2024-04-01T10:00+05:75", 6, "'after:' takes a date"),
        ("after:2024-04-01T10:00+24:00", 6, "'after:' takes a date"),
        ("after:2024-04-01+02:00", 6, "'after:' takes a date"),  # an offset needs a time
        ("after:\u0662\u0660\u0662\u0664-04-01", 6, "'after:' takes a date"),  # ASCII digits
        ("larger:10Q", 7, "'larger:' takes a size such as 500, 10K or 2.5MB (K = 1024 bytes)"),
        ("smaller:-5", 8, "not '-5'"),
        ("smaller:1GB", 8, "not '1GB'"),
        ("larger:" + "9" * 30, 7, "'larger:' takes a size"),
    ],
)
def test_errors_say_where_and_what(query: str, position: int, says: str) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        Criteria.parse(query)
    error = raised.value
    assert error.position == position
    assert says in str(error)
    assert str(error).startswith(f"bad query at column {position}: ")
    assert error.query == query
    assert str(error) == f"bad query at column {position}: {error.reason}"


def test_syntax_errors_are_criteria_errors_and_survive_pickling() -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        Criteria.parse("x size:1")
    assert isinstance(raised.value, CriteriaError)
    assert isinstance(raised.value, ValueError)
    copied = pickle.loads(pickle.dumps(raised.value))
    assert (copied.query, copied.position, str(copied)) == ("x size:1", 2, str(raised.value))


# -- describe ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "description"),
    [
        ("to:Ann", "To or envelope recipient contains 'Ann' (ignoring case)"),
        ("from:shop", "From or envelope sender contains 'shop' (ignoring case)"),
        ("cc:carol", "cc contains 'carol' (ignoring case)"),
        ("bcc:audit", "bcc contains 'audit' (ignoring case)"),
        ("reply-to:help", "Reply-To contains 'help' (ignoring case)"),
        ("addressed:ann", "any address contains 'ann' (ignoring case)"),
        ('subject:"order shipped"', "subject contains 'order shipped' (ignoring case)"),
        ("body:parcel", "body contains 'parcel' (ignoring case)"),
        ("message-id:abc@x", "Message-ID contains 'abc@x' (ignoring case)"),
        ("header:X-Campaign", "header 'X-Campaign' present"),
        ("header:X-Campaign=spring", "header 'X-Campaign' contains 'spring' (ignoring case)"),
        ("has:attachment", "has an attachment (not inline)"),
        ("has:inline", "has an inline part"),
        ("is:read", "is read"),
        ("is:unread", "is unread"),
        ("before:2024-04-01", "received before 2024-04-01T00:00:00+00:00"),
        ("after:2024-04-01T12:30+02:00", "received at or after 2024-04-01T12:30:00+02:00"),
        ("larger:10K", "larger than 10240 bytes"),
        ("smaller:2MB", "smaller than 2097152 bytes"),
        ('"spam words"', "subject, address or body contains 'spam words' (ignoring case)"),
        (
            "to:ann -is:read",
            "To or envelope recipient contains 'ann' (ignoring case) and not (is read)",
        ),
    ],
)
def test_describe_spells_out_a_parsed_query(query: str, description: str) -> None:
    assert Criteria.parse(query).describe() == description


# -- Mailpit's documented examples ------------------------------------------------------

ANY = Caseless  # for readability below
MAILPIT_EXAMPLES = [
    # https://mailpit.axllent.org/docs/usage/search-filters/ : example -> terms
    ("john doe", [Term("words", ANY("john")), Term("words", ANY("doe"))]),
    ('"john doe"', [Term("words", ANY("john doe"))]),
    ('to:"john doe"', [Term("to_any", ANY("john doe"))]),
    ('from:"john doe"', [Term("from_any", ANY("john doe"))]),
    ('cc:"john doe"', [Term("cc", ANY("john doe"))]),
    ('bcc:"john doe"', [Term("bcc", ANY("john doe"))]),
    ('reply-to:"john doe"', [Term("reply_to", ANY("john doe"))]),
    ('addressed:"john doe"', [Term("addressed", ANY("john doe"))]),
    ('subject:"john doe"', [Term("subject", ANY("john doe"))]),
    (
        "message-id:12345.678910.JavaMail.j2ee@localhost",
        [Term("message_id", ANY("12345.678910.JavaMail.j2ee@localhost"))],
    ),
    ("john !doe", [Term("words", ANY("john")), Term("words", ANY("doe"), negate=True)]),
    (
        "subject:invoice !from:admin@example.com",
        [Term("subject", ANY("invoice")), Term("from_any", ANY("admin@example.com"), True)],
    ),
    ("is:read", [Term("read", True)]),
    ("is:unread", [Term("read", False)]),
    ("!is:read", [Term("read", True, negate=True)]),  # "same as is:unread"
    ("has:attachment", [Term("has", "attachment")]),
    ("!has:attachment", [Term("has", "attachment", negate=True)]),
    ("before:2024/04/01", [Term("received_before", datetime(2024, 4, 1, tzinfo=UTC))]),
    ("after:2024/04/01", [Term("received_after", datetime(2024, 4, 1, tzinfo=UTC))]),
]


@pytest.mark.parametrize(("query", "terms"), MAILPIT_EXAMPLES)
def test_mailpit_examples(query: str, terms: list[Term]) -> None:
    criteria = Criteria.parse(query)
    assert criteria.terms == tuple(terms)
    assert isinstance(criteria.describe(), str)


@pytest.mark.parametrize("query", ["tag:host-1", "is:tagged", "!is:tagged"])
def test_mailpit_tag_examples_say_there_are_no_tags(query: str) -> None:
    with pytest.raises(QuerySyntaxError, match="does not tag messages"):
        Criteria.parse(query)


def test_mailpit_is_unread_is_not_is_read() -> None:
    for message in (ORDER, ALERT):
        assert found("is:unread", message) == found("!is:read", message)


def test_mailpit_example_phrase_and_words_differ() -> None:
    john = Message(
        b"Subject: doe, john\r\n\r\nhi\r\n", sender="a@example.com", recipients=["b@example.com"]
    )
    assert found("john doe", john)  # both words, any order
    assert not found('"john doe"', john)  # the exact phrase


# -- fast paths agree with the general matchers ------------------------------------------


NEEDLES = st.one_of(
    st.sampled_from(["ann", "ANN LEE", "store.example", "audit", "@", "carol", "help", "order"]),
    st.text(min_size=1, max_size=6),
)


@FAST
@given(field=st.sampled_from(sorted(_FOLDED)), needle=NEEDLES)
def test_compiled_tests_agree_with_the_general_matchers(field: str, needle: str) -> None:
    for message in (ORDER, ALERT):
        general = _MATCH[field](Caseless(needle), message)
        assert Term(field, Caseless(needle)).matches(message) is general


def test_caseless_works_with_the_python_api_too() -> None:
    assert Criteria.of(subject=Caseless("ORDER #42"), cc=Caseless("diaz")).matches(ORDER)
    assert not Criteria.of(subject=Caseless("disk")).matches(ORDER)
    assert Criteria.of(bcc=Caseless("AUDIT")).matches(ORDER)
    assert Criteria.of(header=("x-campaign", Caseless("sale"))).matches(ORDER)
    assert Criteria.of(to=Caseless("ann@")).describe() == "to contains 'ann@' (ignoring case)"


def test_a_used_term_still_copies_compares_and_pickles() -> None:
    criteria = Criteria.parse("to:ann after:2024-04-01 larger:1K -is:read")
    assert criteria.matches(ORDER)  # builds each term's cached test
    assert pickle.loads(pickle.dumps(criteria)) == criteria
    assert copy.deepcopy(criteria) == criteria
    assert copy.deepcopy(criteria).matches(ORDER)
    assert hash(criteria) == hash(Criteria.parse("to:ann after:2024-04-01 larger:1K -is:read"))


def test_an_unknown_field_still_fails_when_used() -> None:
    with pytest.raises(CriteriaError, match="unknown field 'size'"):
        Criteria((Term("size", 3),)).filter([ORDER])


# -- whatever the text, parsing fails only with QuerySyntaxError ------------------------

NAME = st.sampled_from(
    [
        *("to", "from", "cc", "bcc", "reply-to", "addressed", "subject", "body", "message-id"),
        *("header", "has", "is", "before", "after", "larger", "smaller", "tag", "size", "X"),
    ]
)
VALUE = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["read", "unread", "attachment", "inline", "10K", "1.5mb", "2024/04/01"]),
    st.sampled_from(["2024-04-01T10:30Z", "X-A=b", "X-A", "<a@b>", '"a b"', '"', ""]),
)
TOKEN = st.builds(
    lambda sign, name, value: f"{sign}{name}:{value}" if name else f"{sign}{value}",
    st.sampled_from(["", "-", "!"]),
    st.one_of(st.none(), NAME),
    VALUE,
)
QUERY = st.one_of(
    st.text(max_size=40),
    st.lists(TOKEN, max_size=5).map(" ".join),
)


@FAST
@given(query=QUERY)
def test_any_text_parses_or_raises_query_syntax_error(query: str) -> None:
    try:
        criteria = Criteria.parse(query)
    except QuerySyntaxError as error:
        assert 0 <= error.position <= len(query)
        assert str(error).startswith(f"bad query at column {error.position}: ")
        return
    assert isinstance(criteria.describe(), str)
    for message in (ORDER, ALERT):
        assert isinstance(criteria.matches(message), bool)
    assert criteria.filter([ORDER, ALERT]) == [m for m in (ORDER, ALERT) if criteria.matches(m)]


PHRASE = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"'),
    min_size=1,
    max_size=30,
)


@FAST
@given(phrase=PHRASE)
def test_a_quoted_phrase_is_looked_for_verbatim(phrase: str) -> None:
    criteria = Criteria.parse(f'"{phrase}"')
    assert criteria.terms == (Term("words", Caseless(phrase)),)
    head = b"Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n"
    head += b"Content-Transfer-Encoding: 8bit\r\n\r\n"
    body = f"<{phrase}>".encode()
    message = Message(head + body + b"\r\n", sender="a@example.com", recipients=["b@example.com"])
    assert criteria.matches(message)
    assert not Criteria.parse(f'-"{phrase}"').matches(message)
