"""Convert single legacy SQLite values into values for PostgreSQL.

The legacy reader opens SQLite with ``text_factory = bytes``, so every converter
receives what sqlite3 returns for one cell: ``bytes`` (TEXT and BLOB), ``int``,
``float``, ``None``, or ``str`` from callers that decoded already. Each converter
returns a :class:`Converted` pair ``(value, issue)`` and never raises for dirty
data; it raises ``TypeError`` only for types SQLite cannot produce.

Issue vocabulary (``issue`` is ``None`` or one of these, fixed strings the loader
can count; when one value has two problems they are joined by ``"; "`` in the
order they were met, see :func:`split_issue`):

``"empty to null"``
    ``''`` or whitespace in a non-text column became NULL.
``"unparseable date"``
    not a date in any accepted shape; NULL (the loader keeps the original text).
``"invalid boolean"``
    not one of 0/1/true/false/t/f/yes/no/y/n/on/off; NULL.
``"non-number"``
    not a finite number (``'n/a'``, NaN, infinity); NULL.
``"invalid integer"``
    not integral, or out of range for the target column; NULL.
``"nul removed"``
    NUL characters were dropped, PostgreSQL text and jsonb cannot hold them.
``"invalid utf-8 repaired"``
    bytes that are not UTF-8 were read as Windows-1252, see :func:`decode_text`.
``"invalid json"``
    JSON that neither Python nor PostgreSQL jsonb accepts; kept as a JSON string.

Choices, and why:

* Naive times are UTC. SQLite's ``CURRENT_TIMESTAMP`` writes UTC and the legacy
  application's own ``datetime.now()`` values carry no zone, so nothing in the
  file says otherwise; guessing a server zone would shift the correct majority.
* Fractions of a second beyond microseconds are truncated, as
  ``datetime.fromisoformat`` does, so every date shape behaves the same.
* NaN and infinity are "non-number": PostgreSQL would store them, but they
  poison averages and sort above every score, and the legacy app never meant them.
* Numeric text in a date column is an epoch (``'20251007'`` is not read as a
  compact ISO date); numbers beyond year 5000 in seconds are milliseconds.
* Text is never stripped or normalised; ``''`` stays ``''`` in text columns.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from email.utils import parsedate_to_datetime
from fractions import Fraction
from typing import Any, Final, Generic, NamedTuple, TypeAlias, TypeVar

__all__ = [
    "CONVERTERS",
    "EMPTY_TO_NULL",
    "INVALID_BOOLEAN",
    "INVALID_INTEGER",
    "INVALID_JSON",
    "INVALID_UTF8_REPAIRED",
    "ISSUES",
    "NON_NUMBER",
    "NUL_REMOVED",
    "UNPARSEABLE_DATE",
    "Converted",
    "ParsedIds",
    "decode_text",
    "describe_issue",
    "format_legacy_timestamp",
    "parse_ids",
    "split_ids",
    "split_issue",
    "to_bool",
    "to_date",
    "to_float",
    "to_int",
    "to_int32",
    "to_json",
    "to_timestamp",
]

EMPTY_TO_NULL: Final = "empty to null"
UNPARSEABLE_DATE: Final = "unparseable date"
INVALID_BOOLEAN: Final = "invalid boolean"
NON_NUMBER: Final = "non-number"
INVALID_INTEGER: Final = "invalid integer"
NUL_REMOVED: Final = "nul removed"
INVALID_UTF8_REPAIRED: Final = "invalid utf-8 repaired"
INVALID_JSON: Final = "invalid json"
ISSUES: Final = (
    EMPTY_TO_NULL,
    UNPARSEABLE_DATE,
    INVALID_BOOLEAN,
    NON_NUMBER,
    INVALID_INTEGER,
    NUL_REMOVED,
    INVALID_UTF8_REPAIRED,
    INVALID_JSON,
)
ISSUE_SEPARATOR: Final = "; "

SQLiteValue: TypeAlias = bytes | str | int | float | None
T = TypeVar("T", covariant=True)


class Converted(NamedTuple, Generic[T]):
    """A value ready for PostgreSQL and the issue met on the way, if any."""

    value: T
    issue: str | None


# NamedTuple.__new__ is a Python-level function that costs more than decoding a
# title; hot paths build the tuple directly.
_make = tuple.__new__

_NULL: Final[Converted[None]] = Converted(None, None)
_EMPTY: Final[Converted[None]] = Converted(None, EMPTY_TO_NULL)
_UNPARSEABLE: Final[Converted[None]] = Converted(None, UNPARSEABLE_DATE)
_NOT_BOOLEAN: Final[Converted[None]] = Converted(None, INVALID_BOOLEAN)
_NOT_NUMBER: Final[Converted[None]] = Converted(None, NON_NUMBER)
_NOT_INTEGER: Final[Converted[None]] = Converted(None, INVALID_INTEGER)


def _join(first: str | None, second: str | None) -> str | None:
    if first is None:
        return second
    if second is None:
        return first
    return f"{first}{ISSUE_SEPARATOR}{second}"


def split_issue(issue: str | None) -> tuple[str, ...]:
    """Return the vocabulary categories held in one ``issue`` string."""
    return tuple(issue.split(ISSUE_SEPARATOR)) if issue else ()


def _unexpected(raw: object) -> TypeError:
    return TypeError(f"sqlite3 cannot return {type(raw).__name__}: {raw!r:.80}")


# --- text -----------------------------------------------------------------


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    # Stray non-UTF-8 bytes in scraped news are nearly always Windows-1252 (é,
    # curly quotes, €); reading them so keeps the word instead of a U+FFFD.
    # One byte at a time, so the decoder resyncs on the next valid sequence.
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    byte = exc.object[exc.start : exc.start + 1]
    try:
        return byte.decode("cp1252"), exc.start + 1
    except UnicodeDecodeError:  # 0x81 0x8d 0x8f 0x90 0x9d: unassigned in cp1252
        return "\ufffd", exc.start + 1


_REPAIR: Final = "aunoo-utf8-or-cp1252"
codecs.register_error(_REPAIR, _cp1252_fallback)


def _decode_bytes(raw: bytes) -> Converted[str]:
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        return _without_nul(raw.decode("utf-8", _REPAIR), INVALID_UTF8_REPAIRED)
    if "\x00" in text:
        return Converted(text.replace("\x00", ""), NUL_REMOVED)
    return _make(Converted, (text, None))


def _without_nul(text: str, issue: str | None) -> Converted[str]:
    if "\x00" in text:
        return Converted(text.replace("\x00", ""), _join(issue, NUL_REMOVED))
    return Converted(text, issue)


def decode_text(raw: SQLiteValue) -> Converted[str | None]:
    """Text for a PostgreSQL text column, exactly as stored, minus NULs.

    Valid UTF-8 round-trips unchanged (whitespace, emoji, RTL, combining marks).
    Invalid bytes are read as Windows-1252 (U+FFFD for its five unassigned
    bytes), issue "invalid utf-8 repaired". ``str`` input is trusted to be valid
    Unicode. Numbers become their shortest round-trip text (``repr``).
    """
    if type(raw) is bytes:
        return _decode_bytes(raw)
    if type(raw) is str:
        if "\x00" in raw:
            return Converted(raw.replace("\x00", ""), NUL_REMOVED)
        return _make(Converted, (raw, None))
    if raw is None:
        return _NULL
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return _make(Converted, (repr(raw), None))
    if isinstance(raw, bytearray | memoryview):
        return _decode_bytes(bytes(raw))
    raise _unexpected(raw)


# --- timestamps -----------------------------------------------------------

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
# Seconds from 1970 to year 5000: a larger epoch can only be milliseconds.
_MILLISECONDS_ABOVE: Final = int(
    (datetime(5000, 1, 1, tzinfo=UTC) - _EPOCH).total_seconds()
)

_ISO_DATE: Final = re.compile(
    r"""
    (\d{4})-(\d{2})-(\d{2})
    (?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?
    \s*(?:Z|UTC|GMT|([+-])(\d{2}):?(\d{2})?)?
    """,
    re.VERBOSE | re.ASCII | re.IGNORECASE,
)
_FAST_ISO: Final = re.compile(
    r"\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?(Z|[+-]\d\d(?::?\d\d)?)?)?",
    re.ASCII,
)
# The exponent is capped so '1e999999999' cannot make Fraction build a huge int.
_EPOCH_TEXT: Final = re.compile(
    r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?", re.ASCII
)
# A cheap gate before email.utils, which accepts almost anything with a digit.
_RFC2822_START: Final = re.compile(
    r"(?:[A-Z]{3},?\s*)?\d{1,2}\s+[A-Z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}",
    re.ASCII | re.IGNORECASE,
)


def _from_epoch(number: int | Fraction) -> datetime | None:
    seconds = -_MILLISECONDS_ABOVE <= number <= _MILLISECONDS_ABOVE
    scale = 1_000_000 if seconds else 1_000
    try:
        return _EPOCH + timedelta(microseconds=round(number * scale))
    except OverflowError:
        return None


def _epoch_number(raw: object) -> Converted[datetime | None]:
    if type(raw) is int:
        parsed = _from_epoch(raw)
    elif type(raw) is float and math.isfinite(raw):
        parsed = _from_epoch(Fraction(raw))  # exact, no float rounding of µs
    elif type(raw) is float:
        return _UNPARSEABLE
    else:
        raise _unexpected(raw)
    return _UNPARSEABLE if parsed is None else Converted(parsed, None)


def _parse_iso(text: str) -> datetime | None:
    match = _ISO_DATE.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, sign, oh, om = match.groups()
    zone = UTC
    try:
        if sign is not None:
            offset = timedelta(hours=int(oh), minutes=int(om or 0))
            zone = timezone(-offset if sign == "-" else offset)
        parsed = datetime(
            int(year), int(month), int(day),
            int(hour or 0), int(minute or 0), int(second or 0),
            int(fraction[:6].ljust(6, "0")) if fraction else 0,
            tzinfo=zone,
        )  # fmt: skip
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _parse_epoch_text(text: str) -> datetime | None:
    if _EPOCH_TEXT.fullmatch(text) is None:
        return None
    return _from_epoch(Fraction(text))


def _parse_rfc2822(text: str) -> datetime | None:
    if _RFC2822_START.match(text) is None:
        return None
    try:
        parsed = parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:  # '-0000' or no zone: the naive-is-UTC rule
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return None


def _parse_iso_fast(text: str) -> datetime | None:
    """The common ISO shapes through the C parser; None leaves text to the rest."""
    # fromisoformat alone is too lenient (any separator, week dates, a stray
    # character before the zone), so the regex fixes the shape first.
    shape = _FAST_ISO.fullmatch(text)
    if shape is None:
        return None
    if shape.lastindex:  # has its own zone
        iso = text
    elif len(text) == 10:
        iso = text + "T00:00:00+00:00"
    else:
        # An explicit zone lets the C parser build the aware value at once;
        # replace(tzinfo=UTC) afterwards would cost four times more.
        iso = text + "+00:00"
    try:
        parsed = datetime.fromisoformat(iso)
        if parsed.tzinfo is UTC:
            return parsed
        return None if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _parse_date_text(text: str) -> Converted[datetime | None]:
    text = text.strip()
    if not text:
        return _EMPTY
    for parse in (_parse_iso, _parse_epoch_text, _parse_rfc2822):
        parsed = parse(text)
        if parsed is not None:
            return Converted(parsed, None)
    return _UNPARSEABLE


def to_timestamp(raw: SQLiteValue) -> Converted[datetime | None]:
    """An aware UTC datetime for a timestamptz column.

    Accepts ISO 8601 (space or ``T``, date only, fractions of a second, ``Z``,
    ``UTC``, ``±HH``, ``±HH:MM``, ``±HHMM``), RFC 2822 (``GMT`` and zone names
    included), and epochs as int, float or numeric text, in seconds or, beyond
    year 5000, milliseconds. Naive values are UTC.
    """
    if type(raw) is bytes:
        text = raw.decode("latin-1")  # never fails; non-ASCII cannot parse anyway
    elif type(raw) is str:
        text = raw
    elif raw is None:
        return _NULL
    else:
        return _epoch_number(raw)
    parsed = _parse_iso_fast(text)
    if parsed is not None:
        return _make(Converted, (parsed, None))
    return _parse_date_text(text)


def to_date(raw: SQLiteValue) -> Converted[date | None]:
    """A calendar day for a date column (the legacy app writes ``YYYY-MM-DD``).

    Anything to_timestamp reads is accepted when it falls on midnight UTC; a
    time of day is not a calendar day, so it is unparseable (original kept).
    """
    stamp = to_timestamp(raw)
    if stamp.value is None:
        return _make(Converted, (None, stamp.issue))
    if stamp.value.timetz() != time(0, tzinfo=UTC):
        return _make(Converted, (None, UNPARSEABLE_DATE))
    return _make(Converted, (stamp.value.date(), stamp.issue))


def format_legacy_timestamp(value: datetime | None) -> str | None:
    """``YYYY-MM-DD HH:MM:SS`` in UTC, as the legacy app writes; µs are dropped."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.isoformat(sep=" ", timespec="seconds")[:19]


# --- booleans and numbers -------------------------------------------------

_TRUE: Final[Converted[bool]] = Converted(True, None)
_FALSE: Final[Converted[bool]] = Converted(False, None)
# 0 == 0.0 == False hash alike, so one dict answers ints and floats.
_NUMBER_BOOLEANS: Final[dict[float, Converted[bool]]] = {0: _FALSE, 1: _TRUE}
_WORD_BOOLEANS: Final[dict[str, Converted[bool]]] = {
    **dict.fromkeys(("1", "true", "t", "yes", "y", "on"), _TRUE),
    **dict.fromkeys(("0", "false", "f", "no", "n", "off"), _FALSE),
}
_TEXT_BOOLEANS: Final[dict[str | bytes, Converted[bool]]] = {
    form: result
    for word, result in _WORD_BOOLEANS.items()
    for form in (word, word.encode())
}


def to_bool(raw: SQLiteValue) -> Converted[bool | None]:
    """True or False from 0/1 numbers or yes/no words in any case and spacing."""
    if type(raw) is int or type(raw) is float:
        return _NUMBER_BOOLEANS.get(raw, _NOT_BOOLEAN)
    if raw is None:
        return _NULL
    if type(raw) is bytes or type(raw) is str:
        token = raw.strip().lower()
        return _TEXT_BOOLEANS.get(token, _NOT_BOOLEAN) if token else _EMPTY
    if type(raw) is bool:
        return _TRUE if raw else _FALSE
    raise _unexpected(raw)


_DECIMAL_TEXT: Final = re.compile(
    r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII
)
_INTEGER_TEXT: Final = re.compile(r"[+-]?\d+", re.ASCII)


def _number_text(raw: bytes | str) -> str | None:
    """The stripped text when it is a plain decimal number, else None."""
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    text = text.strip()
    return text if _DECIMAL_TEXT.fullmatch(text) else None


def to_float(raw: SQLiteValue) -> Converted[float | None]:
    """A finite double; REAL values pass through bit for bit."""
    if type(raw) is float:
        # raw - raw is 0.0 only for finite values: a cheap isfinite.
        return _make(Converted, (raw, None)) if raw - raw == 0.0 else _NOT_NUMBER
    if type(raw) is int:
        return Converted(float(raw), None)  # beyond 2**53 rounds, as SQLite would
    if raw is None:
        return _NULL
    if type(raw) is bytes or type(raw) is str:
        if not raw.strip():
            return _EMPTY
        text = _number_text(raw)
        if text is None:
            return _NOT_NUMBER
        value = float(text)
        return Converted(value, None) if math.isfinite(value) else _NOT_NUMBER
    raise _unexpected(raw)


_INT8: Final = (-(2**63), 2**63 - 1)
_INT4: Final = (-(2**31), 2**31 - 1)


def _integral(raw: object) -> int | Decimal | None:
    """The integral number in ``raw``, before any range check."""
    if type(raw) is float:
        return int(raw) if raw.is_integer() else None
    if type(raw) is bytes or type(raw) is str:
        text = _number_text(raw)
        if text is None:
            return None
        if _INTEGER_TEXT.fullmatch(text):
            return int(text)
        number = Decimal(text)  # exact: '9007199254740993.0' stays odd
        return number if number == number.to_integral_value() else None
    raise _unexpected(raw)


def _to_int_within(raw: SQLiteValue, low: int, high: int) -> Converted[int | None]:
    if type(raw) is int:
        return _make(Converted, (raw, None)) if low <= raw <= high else _NOT_INTEGER
    if raw is None:
        return _NULL
    if (type(raw) is bytes or type(raw) is str) and not raw.strip():
        return _EMPTY
    number = _integral(raw)
    # Compare before int(): int(Decimal('1e99999')) would build a huge number.
    if number is None or not low <= number <= high:
        return _NOT_INTEGER
    return Converted(int(number), None)


def to_int(raw: SQLiteValue) -> Converted[int | None]:
    """An integer in bigint range from ints, integral floats or numeric text."""
    if type(raw) is int and -(2**63) <= raw < 2**63:  # folded to constants
        return _make(Converted, (raw, None))
    return _to_int_within(raw, *_INT8)


def to_int32(raw: SQLiteValue) -> Converted[int | None]:
    """Like :func:`to_int`, for PostgreSQL ``integer`` (32-bit) columns."""
    if type(raw) is int and -(2**31) <= raw < 2**31:
        return _make(Converted, (raw, None))
    return _to_int_within(raw, *_INT4)


# --- JSON -----------------------------------------------------------------


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON and PostgreSQL jsonb rejects it")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # '1e400': json.dumps would write Infinity
        raise ValueError(f"{text} overflows a double")
    return value


_JSON: Final = json.JSONDecoder(
    parse_constant=_reject_constant, parse_float=_finite_float
)
# Only these escapes decode to what jsonb refuses (NUL, lone surrogates); the
# rare false positive (an escaped backslash) just costs one walk.
_RISKY_ESCAPE: Final = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def _clean_json(value: object) -> object:
    """``value`` without NULs in strings; ValueError on lone surrogates."""
    if type(value) is str:
        if _LONE_SURROGATE.search(value):
            raise ValueError("lone surrogate")
        return value.replace("\x00", "")
    if type(value) is list:
        return [_clean_json(item) for item in value]
    if type(value) is dict:
        return {_clean_json(key): _clean_json(item) for key, item in value.items()}
    return value


def _json_number(raw: int | float) -> Converted[object]:
    if type(raw) is float and not math.isfinite(raw):
        return Converted(repr(raw), INVALID_JSON)
    return Converted(raw, None)


def to_json(raw: SQLiteValue) -> Converted[object]:
    """The parsed value, ready for ``psycopg.types.json.Jsonb``.

    JSON ``null`` becomes SQL NULL. Invalid JSON, and JSON that jsonb rejects
    (NaN, Infinity, overflowing numbers, lone surrogates), comes back as the
    original text so it is stored as a JSON string, issue "invalid json".
    """
    if raw is None:
        return _NULL
    if type(raw) is int or type(raw) is float:
        return _json_number(raw)
    if type(raw) is bytes:
        text, issue = _decode_bytes(raw)
    elif type(raw) is str:
        text, issue = _without_nul(raw, None)
    else:
        raise _unexpected(raw)
    if not text.strip():
        return _EMPTY
    try:
        value = _JSON.decode(text)
        if _RISKY_ESCAPE.search(text):
            cleaned = _clean_json(value)
            if cleaned != value:
                value, issue = cleaned, _join(issue, NUL_REMOVED)
    except (ValueError, RecursionError):
        return Converted(text, _join(issue, INVALID_JSON))
    return Converted(value, issue)


# --- id lists -------------------------------------------------------------

_ID: Final = re.compile(r"\d+", re.ASCII)


class ParsedIds(NamedTuple):
    """Ids in first-seen order without repeats, and the tokens that were not ids."""

    ids: list[int]
    junk: list[str]


def parse_ids(raw: SQLiteValue) -> ParsedIds:
    """Split comma-separated ids such as ``keyword_ids`` (``' 3, 1 ,2'``)."""
    if type(raw) is float and raw.is_integer():
        raw = int(raw)
    text = decode_text(raw).value or ""
    ids: dict[int, None] = {}
    junk: list[str] = []
    for token in text.split(","):
        token = token.strip()
        if _ID.fullmatch(token):
            ids.setdefault(int(token))
        elif token:  # empty tokens ('409,,422', trailing commas) are harmless
            junk.append(token)
    return ParsedIds(list(ids), junk)


def split_ids(raw: SQLiteValue) -> list[int]:
    """The ids of :func:`parse_ids`, for callers that do not report junk."""
    return parse_ids(raw).ids


# --- reports --------------------------------------------------------------

_ADVICE: Final = {
    EMPTY_TO_NULL: "Stored NULL; nothing to do unless the column must be filled.",
    UNPARSEABLE_DATE: (
        "Stored NULL and the original text kept; correct the date in the legacy "
        "file and re-run, or accept NULL."
    ),
    INVALID_BOOLEAN: "Stored NULL; set 0 or 1 in the legacy file and re-run.",
    NON_NUMBER: "Stored NULL; put a number in the legacy file and re-run.",
    INVALID_INTEGER: (
        "Stored NULL (the row is rejected where the column is required); put a "
        "whole number in the legacy file and re-run."
    ),
    NUL_REMOVED: "NUL characters dropped, PostgreSQL cannot store them.",
    INVALID_UTF8_REPAIRED: (
        "Bytes that are not UTF-8 were read as Windows-1252; check the text and "
        "re-save it as UTF-8 in the legacy file if it reads wrong."
    ),
    INVALID_JSON: (
        "Stored as a JSON string holding the original text; fix the JSON in the "
        "legacy file and re-run to get structured data."
    ),
}


def _preview(value: object, limit: int) -> str:
    if type(value) is bytes:
        # Undecodable bytes are shown as bytes: the operator needs to see them.
        with contextlib.suppress(UnicodeDecodeError):
            value = value.decode()
    if isinstance(value, str | bytes) and len(value) > limit:
        return f"{value[:limit]!r}… ({len(value):,} in all)"
    return repr(value)


def describe_issue(
    *,
    table: str,
    key: object,
    column: str,
    original: object,
    issue: str,
    limit: int = 60,
) -> str:
    """One report line naming the cell, the value, the problem and the fix."""
    advice = " ".join(_ADVICE.get(part, "") for part in split_issue(issue))
    return (
        f"{table} {key!r}, column {column}: {issue} in {_preview(original, limit)}."
        f" {advice}"
    ).rstrip()


CONVERTERS: Final[Mapping[str, Callable[[SQLiteValue], Converted[Any]]]] = {
    "text": decode_text,
    "timestamptz": to_timestamp,
    "date": to_date,
    "boolean": to_bool,
    "double": to_float,
    "integer": to_int32,
    "bigint": to_int,
    "jsonb": to_json,
}
