"""RFC 3501 dates: `date` (SEARCH keys) and `date-time` (INTERNALDATE, APPEND).

Month names are written and read here by hand: strftime and strptime follow the
locale, IMAP's are always English.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Upper-case month name -> 1..12 (month names are case-insensitive on input).
MONTH_NUMBERS = {name.upper(): number for number, name in enumerate(MONTHS, 1)}

# date-time: "17-Jul-1996 02:44:25 -0700" (a day of one digit may have a leading space).
_DATE_TIME = re.compile(
    r"^ ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$"
)


def format_internal_date(dt: datetime) -> bytes:
    """`"17-Jul-1996 02:44:25 -0700"`, quoted (a naive time is UTC)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    offset = dt.utcoffset()
    minutes = int(offset.total_seconds()) // 60 if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    text = (
        f'"{dt.day:02d}-{MONTHS[dt.month - 1]}-{dt.year:04d} '
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} "
        f'{sign}{minutes // 60:02d}{minutes % 60:02d}"'
    )
    return text.encode("ascii")


def parse_date_time(text: str) -> datetime:
    """The aware datetime of an RFC 3501 date-time; ValueError if it is not one."""
    match = _DATE_TIME.match(text)
    month = MONTH_NUMBERS.get(match.group(2).upper()) if match else None
    if match is None or month is None:
        raise ValueError(f"not a date-time: {text!r}")
    day, _, year, hh, mm, ss, sign, zh, zm = match.groups()
    offset = (int(zh) * 60 + int(zm)) * (1 if sign == "+" else -1)
    zone = timezone(timedelta(minutes=offset))
    return datetime(int(year), month, int(day), int(hh), int(mm), int(ss), tzinfo=zone)
