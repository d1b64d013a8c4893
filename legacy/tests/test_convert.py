from __future__ import annotations

import json
import math
import struct
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from legacy.convert import (
    CONVERTERS,
    EMPTY_TO_NULL,
    INVALID_BOOLEAN,
    INVALID_INTEGER,
    INVALID_JSON,
    INVALID_UTF8_REPAIRED,
    ISSUES,
    NON_NUMBER,
    NUL_REMOVED,
    UNPARSEABLE_DATE,
    Converted,
    decode_text,
    describe_issue,
    format_legacy_timestamp,
    parse_ids,
    split_ids,
    split_issue,
    to_bool,
    to_date,
    to_float,
    to_int,
    to_int32,
    to_json,
    to_timestamp,
)


def as_text_and_bytes(cases):
    """Each (text, expected) case twice: as str and as sqlite3's bytes."""
    return [
        pytest.param(form, expected, id=f"{type(form).__name__}:{raw!r}")
        for raw, expected in cases
        for form in (raw, raw.encode())
    ]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- vocabulary -----------------------------------------------------------


def test_issue_vocabulary_is_the_documented_one():
    assert ISSUES == (
        "empty to null",
        "unparseable date",
        "invalid boolean",
        "non-number",
        "invalid integer",
        "nul removed",
        "invalid utf-8 repaired",
        "invalid json",
    )


def test_every_issue_is_reachable():
    samples = [
        to_timestamp(""),
        to_timestamp("soon"),
        to_bool("maybe"),
        to_float("n/a"),
        to_int("4.5"),
        decode_text(b"a\x00"),
        decode_text(b"\xe9"),
        to_json("{"),
    ]
    assert {sample.issue for sample in samples} == set(ISSUES)


@pytest.mark.parametrize(
    ("issue", "parts"),
    [
        (None, ()),
        ("nul removed", ("nul removed",)),
        (
            "invalid utf-8 repaired; nul removed",
            ("invalid utf-8 repaired", "nul removed"),
        ),
    ],
)
def test_split_issue(issue, parts):
    assert split_issue(issue) == parts


def test_converted_is_a_value_issue_pair():
    value, issue = Converted(1, None)
    assert (value, issue) == (1, None)


# --- text -----------------------------------------------------------------

TRICKY_TEXT = [
    "",
    " ",
    "  leading and trailing spaces  ",
    "tab\there\r\nCRLF\nLF\rCR",
    "emoji 😀 👍🏽 family 👨‍👩‍👧 flag 🇫🇷",
    "RTL שלום عليكم mixed with LTR",
    "combining e\u0301 vs precomposed \u00e9",  # must not be NFC-normalised
    "Ångström in NFD: A\u030angstro\u0308m",
    "backslashes \\ \\n \\t \\\\ and quotes ' \" `",
    "zero width\u200b joiner\u200d and BOM \ufeff",
    "no-break\u00a0space and ideographic\u3000space",
    "C1 control \x85 and DEL \x7f",
    '{"looks": "like json"}',
    "trailing newline\n",
    "x" * 65_003,
]


@pytest.mark.parametrize("text", TRICKY_TEXT, ids=lambda text: repr(text[:30]))
def test_decode_text_round_trips_utf8_bytes_exactly(text):
    assert decode_text(text.encode()) == (text, None)


@pytest.mark.parametrize("text", TRICKY_TEXT, ids=lambda text: repr(text[:30]))
def test_decode_text_passes_str_through_exactly(text):
    assert decode_text(text) == (text, None)


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"caf\xe9", "café"),
        (b"\x93quoted\x94 \x80", "“quoted” €"),
        (b"\xe9t\xc3\xa9", "été"),  # one stray byte next to valid UTF-8
        (b"bad \x81 byte", "bad \ufffd byte"),  # unassigned in cp1252
        (b"cut \xe2\x82", "cut \u00e2\u201a"),  # a cut-off UTF-8 sequence
        (b"\xed\xa0\x80", "í\xa0€"),  # an encoded surrogate is not UTF-8
        (b"\xff\xfe", "ÿþ"),
    ],
)
def test_decode_text_repairs_invalid_utf8_as_cp1252(raw, text):
    assert decode_text(raw) == (text, INVALID_UTF8_REPAIRED)


@pytest.mark.parametrize(
    ("raw", "text"),
    [(b"a\x00b", "ab"), (b"\x00", ""), ("a\x00b\x00", "ab"), ("\x00", "")],
)
def test_decode_text_removes_nul(raw, text):
    assert decode_text(raw) == (text, NUL_REMOVED)


def test_decode_text_reports_both_repair_and_nul():
    assert decode_text(b"caf\xe9\x00") == (
        "café",
        "invalid utf-8 repaired; nul removed",
    )


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (42, "42"),
        (-(2**63), "-9223372036854775808"),
        (0.1, "0.1"),
        (0.12345678901234568, "0.12345678901234568"),
        (1e-17, "1e-17"),
    ],
)
def test_decode_text_writes_numbers_as_round_trip_text(raw, text):
    assert decode_text(raw) == (text, None)


def test_decode_text_keeps_null():
    assert decode_text(None) == (None, None)


@pytest.mark.parametrize("raw", [bytearray(b"caf\xc3\xa9"), memoryview(b"caf\xc3\xa9")])
def test_decode_text_accepts_buffers(raw):
    assert decode_text(raw) == ("café", None)


# --- timestamps -----------------------------------------------------------

DATES = [
    ("2025-10-07 09:49:32", utc(2025, 10, 7, 9, 49, 32)),
    ("2025-10-07", utc(2025, 10, 7)),
    ("2025-10-07T09:49:32", utc(2025, 10, 7, 9, 49, 32)),
    ("2025-10-07T09:49", utc(2025, 10, 7, 9, 49)),
    ("2025-10-07 09:49", utc(2025, 10, 7, 9, 49)),
    ("2025-10-07T09:49:32.1", utc(2025, 10, 7, 9, 49, 32, 100_000)),
    ("2025-10-07 09:49:32.12", utc(2025, 10, 7, 9, 49, 32, 120_000)),
    ("2025-10-07T09:49:32.123", utc(2025, 10, 7, 9, 49, 32, 123_000)),
    ("2025-10-07T09:49:32.123456", utc(2025, 10, 7, 9, 49, 32, 123_456)),
    ("2025-10-07T09:49:32.1234567", utc(2025, 10, 7, 9, 49, 32, 123_456)),
    ("2025-10-07T09:49:32.123456789", utc(2025, 10, 7, 9, 49, 32, 123_456)),
    ("2025-10-07T09:49:32.999999999", utc(2025, 10, 7, 9, 49, 32, 999_999)),
    ("2025-10-07T09:49:32,5", utc(2025, 10, 7, 9, 49, 32, 500_000)),
    ("2025-10-07T09:49:32Z", utc(2025, 10, 7, 9, 49, 32)),
    ("2025-10-07T09:49:32.5Z", utc(2025, 10, 7, 9, 49, 32, 500_000)),
    ("2025-10-07t09:49:32z", utc(2025, 10, 7, 9, 49, 32)),
    ("2025-10-07T09:49:32+00:00", utc(2025, 10, 7, 9, 49, 32)),
    ("2025-10-07 09:49:32.123456+00:00", utc(2025, 10, 7, 9, 49, 32, 123_456)),
    ("2025-10-07T09:49:32-00:00", utc(2025, 10, 7, 9, 49, 32)),
    ("2025-10-07T09:49:32-05:00", utc(2025, 10, 7, 14, 49, 32)),
    ("2025-10-07T09:49:32+0530", utc(2025, 10, 7, 4, 19, 32)),
    ("2025-10-07T09:49:32+05:30", utc(2025, 10, 7, 4, 19, 32)),
    ("2025-10-07T09:49:32.25+05:45", utc(2025, 10, 7, 4, 4, 32, 250_000)),
    ("2025-10-07T09:49:32-09", utc(2025, 10, 7, 18, 49, 32)),
    ("2025-10-07T01:00:00+02:00", utc(2025, 10, 6, 23)),  # crosses midnight
    ("2025-12-31T23:30:00-01:00", utc(2026, 1, 1, 0, 30)),  # crosses a year
    ("2025-10-07 09:49:32 +00:00", utc(2025, 10, 7, 9, 49, 32)),
    ("2025-10-07 09:49:32 UTC", utc(2025, 10, 7, 9, 49, 32)),
    ("2025-10-07 09:49:32 GMT", utc(2025, 10, 7, 9, 49, 32)),
    ("2025-10-07+02:00", utc(2025, 10, 6, 22)),
    ("0001-01-01 00:00:00", utc(1, 1, 1)),
    ("9999-12-31 23:59:59", utc(9999, 12, 31, 23, 59, 59)),
    ("2024-02-29", utc(2024, 2, 29)),
    ("  2025-10-07 09:49:32  ", utc(2025, 10, 7, 9, 49, 32)),
    ("\t2025-10-07\n", utc(2025, 10, 7)),
    ("2025-10-07 09:49:32\n", utc(2025, 10, 7, 9, 49, 32)),
    ("2025-10-07T09:49:32Z ", utc(2025, 10, 7, 9, 49, 32)),
    ("Tue, 07 Oct 2025 09:49:32 +0000", utc(2025, 10, 7, 9, 49, 32)),
    ("Tue, 07 Oct 2025 09:49:32 GMT", utc(2025, 10, 7, 9, 49, 32)),
    ("Tue, 07 Oct 2025 09:49:32 -0000", utc(2025, 10, 7, 9, 49, 32)),
    ("Tue, 07 Oct 2025 09:49:32 -0500", utc(2025, 10, 7, 14, 49, 32)),
    ("Tue, 07 Oct 2025 09:49:32 +0530", utc(2025, 10, 7, 4, 19, 32)),
    ("Tue, 07 Oct 2025 09:49:32 EST", utc(2025, 10, 7, 14, 49, 32)),
    ("07 Oct 2025 09:49:32 +0000", utc(2025, 10, 7, 9, 49, 32)),
    ("Tue, 7 Oct 2025 09:49 +0000", utc(2025, 10, 7, 9, 49)),
    ("tue, 07 oct 2025 09:49:32 gmt", utc(2025, 10, 7, 9, 49, 32)),
    ("1759830572", utc(2025, 10, 7, 9, 49, 32)),
    ("1759830572.25", utc(2025, 10, 7, 9, 49, 32, 250_000)),
    ("1759830572123", utc(2025, 10, 7, 9, 49, 32, 123_000)),
    (" 1759830572 ", utc(2025, 10, 7, 9, 49, 32)),
    ("0", utc(1970, 1, 1)),
    ("-86400", utc(1969, 12, 31)),
    ("1.7598305e9", utc(2025, 10, 7, 9, 48, 20)),
]


@pytest.mark.parametrize(("raw", "expected"), as_text_and_bytes(DATES))
def test_to_timestamp_parses(raw, expected):
    assert to_timestamp(raw) == (expected, None)


@pytest.mark.parametrize(("raw", "expected"), as_text_and_bytes(DATES))
def test_to_timestamp_returns_utc(raw, expected):
    assert to_timestamp(raw).value.tzinfo is UTC


@pytest.mark.parametrize(("raw", "expected"), DATES)
def test_to_timestamp_fast_path_agrees_with_full_parser(raw, expected):
    # A leading space skips the fast path, so both must give the same answer.
    assert to_timestamp(raw) == to_timestamp(" " + raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1759830572, utc(2025, 10, 7, 9, 49, 32)),
        (1759830572.5, utc(2025, 10, 7, 9, 49, 32, 500_000)),
        (1759830572.000001, utc(2025, 10, 7, 9, 49, 32, 1)),
        (1759830572123, utc(2025, 10, 7, 9, 49, 32, 123_000)),
        (1759830572123.0, utc(2025, 10, 7, 9, 49, 32, 123_000)),
        (0, utc(1970, 1, 1)),
        (-1, utc(1969, 12, 31, 23, 59, 59)),
        (95_617_584_000, utc(5000, 1, 1)),  # the last value read as seconds
        (95_617_584_001, utc(1973, 1, 11, 16, 26, 24, 1_000)),  # milliseconds
        (253_402_300_799_000, utc(9999, 12, 31, 23, 59, 59)),
        (-62_135_596_800, utc(1, 1, 1)),
    ],
)
def test_to_timestamp_reads_epoch_numbers(raw, expected):
    assert to_timestamp(raw) == (expected, None)


@pytest.mark.parametrize(
    "raw",
    [
        "2025-10-07T14:49:32Z",
        "2025-10-07 14:49:32",
        "2025-10-07T09:49:32-05:00",
        "2025-10-07T20:19:32+05:30",
        "2025-10-07T20:19:32+0530",
        "2025-10-08T00:49:32+10",
        "Tue, 07 Oct 2025 09:49:32 -0500",
        "1759848572",
        1759848572000,
    ],
)
def test_to_timestamp_offsets_name_the_same_instant(raw):
    assert to_timestamp(raw).value == utc(2025, 10, 7, 14, 49, 32)


def test_to_timestamp_treats_naive_time_as_utc():
    assert to_timestamp("2025-06-01 12:00:00").value.utcoffset() == timedelta(0)
    assert to_timestamp("2025-06-01 12:00:00").value.hour == 12


@pytest.mark.parametrize("raw", ["", " ", "\t\n", b"", b"   "])
def test_to_timestamp_turns_blank_into_null(raw):
    assert to_timestamp(raw) == (None, EMPTY_TO_NULL)


def test_to_timestamp_keeps_null():
    assert to_timestamp(None) == (None, None)


@pytest.mark.parametrize(
    "raw",
    [
        "garbage",
        "yesterday",
        "2025-02-30",
        "2025-13-01",
        "2025-10-32 00:00:00",
        "0000-00-00 00:00:00",
        "2025-10-07 24:00:00",
        "2025-10-07 09:60:00",
        "2025-10-07T09:49:32+24:00",
        "2025-10-07T09:49:32+05:30garbage",
        "2025-10-07x09:49:32",
        "31/12/2025",
        "12/31/2025 10:00",
        "2025/10/07",
        "20251007T094932",
        "2025-W41-2",
        "Tue, 31 Feb 2025 09:49:32 +0000",
        "Tue, 07 Foo 2025 09:49:32 +0000",
        "9999-12-31T23:59:59-05:00",
        "0001-01-01T00:00:00+05:00",
        "1e999",
        "99999999999999999999",
        "\uff11\uff17\uff15\uff19",  # fullwidth digits
        "NaN",
        b"\xff\xfe2025",
        "2025-10-07 09:49:32\x00",
        10**30,
        -(10**30),
        math.nan,
        math.inf,
    ],
)
def test_to_timestamp_reports_unparseable(raw):
    assert to_timestamp(raw) == (None, UNPARSEABLE_DATE)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (utc(2025, 10, 7, 9, 49, 32), "2025-10-07 09:49:32"),
        (utc(2025, 10, 7, 9, 49, 32, 999_999), "2025-10-07 09:49:32"),
        (
            datetime(2025, 10, 7, 9, 49, 32, tzinfo=timezone(timedelta(hours=5))),
            "2025-10-07 04:49:32",
        ),
        (
            datetime(2025, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-2))),
            "2026-01-01 01:00:00",
        ),
        (datetime(2025, 10, 7, 9, 49, 32), "2025-10-07 09:49:32"),  # naive is UTC
        (utc(999, 1, 2, 3, 4, 5), "0999-01-02 03:04:05"),
    ],
)
def test_format_legacy_timestamp(value, text):
    assert format_legacy_timestamp(value) == text


def test_format_legacy_timestamp_keeps_null():
    assert format_legacy_timestamp(None) is None


@pytest.mark.parametrize("text", ["2025-10-07 09:49:32", "1970-01-01 00:00:00"])
def test_format_legacy_timestamp_round_trips_current_timestamp(text):
    assert format_legacy_timestamp(to_timestamp(text.encode()).value) == text


# --- booleans -------------------------------------------------------------

WORDS = [
    *[(word, True) for word in ["1", "true", "t", "yes", "y", "on"]],
    *[(word, False) for word in ["0", "false", "f", "no", "n", "off"]],
    ("TRUE", True),
    ("False", False),
    ("Yes", True),
    ("OFF", False),
    (" 1 ", True),
    ("\tno\n", False),
    ("  On", True),
]


@pytest.mark.parametrize(("raw", "expected"), as_text_and_bytes(WORDS))
def test_to_bool_reads_words(raw, expected):
    assert to_bool(raw) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0, False),
        (1, True),
        (0.0, False),
        (-0.0, False),
        (1.0, True),
        (False, False),
        (True, True),
    ],
)
def test_to_bool_reads_numbers(raw, expected):
    result = to_bool(raw)
    assert result == (expected, None)
    assert type(result.value) is bool


@pytest.mark.parametrize(
    "raw",
    [2, -1, 0.5, math.nan, math.inf, "2", "-1", "1.0", "maybe", "tru", "oui", b"\xff"],
)
def test_to_bool_reports_invalid(raw):
    assert to_bool(raw) == (None, INVALID_BOOLEAN)


@pytest.mark.parametrize("raw", ["", "  ", b"", b" \t"])
def test_to_bool_turns_blank_into_null(raw):
    assert to_bool(raw) == (None, EMPTY_TO_NULL)


def test_to_bool_keeps_null():
    assert to_bool(None) == (None, None)


# --- floats ---------------------------------------------------------------


def bits(value: float) -> bytes:
    return struct.pack("<d", value)


@pytest.mark.parametrize(
    "raw",
    [
        0.12345678901234568,
        1e-17,
        0.1,
        0.30000000000000004,
        0.7071067811865476,
        123456.78901234567,
        5e-324,
        2.2250738585072014e-308,
        1.7976931348623157e308,
        -0.0,
        0.0,
        -3.5,
    ],
)
def test_to_float_passes_real_through_bit_for_bit(raw):
    result = to_float(raw)
    assert bits(result.value) == bits(raw)
    assert result.issue is None


@pytest.mark.parametrize(
    "text", ["0.12345678901234568", "1e-17", "0.30000000000000004", "5e-324"]
)
def test_to_float_parses_text_to_the_same_bits_as_sqlite_real(text):
    assert bits(to_float(text.encode()).value) == bits(float(text))


@pytest.mark.parametrize(
    ("raw", "expected"),
    as_text_and_bytes(
        [
            (" 0.75 ", 0.75),
            ("1e-3", 0.001),
            ("1E3", 1000.0),
            ("-2", -2.0),
            ("+.5", 0.5),
            ("5.", 5.0),
            ("0", 0.0),
            ("\t42\n", 42.0),
            ("1e-400", 0.0),
        ]
    ),
)
def test_to_float_parses_numeric_text(raw, expected):
    assert to_float(raw) == (expected, None)


@pytest.mark.parametrize(("raw", "expected"), [(3, 3.0), (-(2**63), -(2.0**63))])
def test_to_float_widens_integers(raw, expected):
    result = to_float(raw)
    assert result == (expected, None)
    assert type(result.value) is float


@pytest.mark.parametrize(
    "raw",
    [
        "n/a",
        "NaN",
        "nan",
        "inf",
        "-Infinity",
        "1e999",
        "1_000",
        "0x10",
        "1,5",
        "١٢",
        "12 %",
        "--1",
        ".",
        b"\xff",
        math.nan,
        math.inf,
        -math.inf,
    ],
)
def test_to_float_reports_non_numbers(raw):
    assert to_float(raw) == (None, NON_NUMBER)


@pytest.mark.parametrize("raw", ["", "   ", b"", b"\n"])
def test_to_float_turns_blank_into_null(raw):
    assert to_float(raw) == (None, EMPTY_TO_NULL)


def test_to_float_keeps_null():
    assert to_float(None) == (None, None)


# --- integers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (42, 42),
        (0, 0),
        (2**63 - 1, 2**63 - 1),
        (-(2**63), -(2**63)),
        (42.0, 42),
        (-7.0, -7),
        (1e18, 10**18),
    ],
)
def test_to_int_reads_numbers(raw, expected):
    result = to_int(raw)
    assert result == (expected, None)
    assert type(result.value) is int


@pytest.mark.parametrize(
    ("raw", "expected"),
    as_text_and_bytes(
        [
            ("42", 42),
            (" 42 ", 42),
            ("42.0", 42),
            ("-7", -7),
            ("+7", 7),
            ("007", 7),
            ("1e3", 1000),
            ("9007199254740993", 9007199254740993),
            ("9007199254740993.0", 9007199254740993),  # no detour through float
            ("9223372036854775807", 2**63 - 1),
        ]
    ),
)
def test_to_int_parses_numeric_text(raw, expected):
    assert to_int(raw) == (expected, None)


@pytest.mark.parametrize(
    "raw",
    [
        42.5,
        math.nan,
        math.inf,
        2**63,
        -(2**63) - 1,
        "42.5",
        "abc",
        "4 2",
        "0x2a",
        "1e99999",
        "9223372036854775808",
        "NaN",
        "١٢",
        b"\xff",
    ],
)
def test_to_int_reports_invalid(raw):
    assert to_int(raw) == (None, INVALID_INTEGER)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (2**31 - 1, (2**31 - 1, None)),
        (-(2**31), (-(2**31), None)),
        (2**31, (None, INVALID_INTEGER)),
        ("-2147483649", (None, INVALID_INTEGER)),
        (" 12 ", (12, None)),
        (12.0, (12, None)),
    ],
)
def test_to_int32_keeps_postgresql_integer_range(raw, expected):
    assert to_int32(raw) == expected


@pytest.mark.parametrize("converter", [to_int, to_int32])
@pytest.mark.parametrize("raw", ["", " ", b"", b"\t"])
def test_to_int_turns_blank_into_null(converter, raw):
    assert converter(raw) == (None, EMPTY_TO_NULL)


@pytest.mark.parametrize("converter", [to_int, to_int32])
def test_to_int_keeps_null(converter):
    assert converter(None) == (None, None)


# --- JSON -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    as_text_and_bytes(
        [
            (
                '{"a": [1, 2.5, "x"], "b": {"c": null}}',
                {"a": [1, 2.5, "x"], "b": {"c": None}},
            ),
            ("[]", []),
            ('"just a string"', "just a string"),
            ("42", 42),
            ("true", True),
            ('  {"padded": 1}\n', {"padded": 1}),
            ('{"emoji": "\\ud83d\\ude00", "raw": "😀"}', {"emoji": "😀", "raw": "😀"}),
            ('{"path": "\\\\u0000 is text"}', {"path": "\\u0000 is text"}),
            ("[0.12345678901234568, 1e-17]", [0.12345678901234568, 1e-17]),
            ("123456789012345678901234567890", 123456789012345678901234567890),
        ]
    ),
)
def test_to_json_parses(raw, expected):
    assert to_json(raw) == (expected, None)


def test_to_json_turns_json_null_into_sql_null():
    assert to_json("null") == (None, None)


@pytest.mark.parametrize(
    "text",
    [
        "{bad",
        '{"a": 1',
        "{'a': 1}",
        "not json at all",
        "NaN",
        "[Infinity]",
        "[-Infinity]",
        "[1e400]",
        '"\\ud800"',
        '{"a": "\\udc00"}',
        '{"a": 1} trailing',
        "[" * 100_000,
    ],
    ids=lambda text: repr(text[:20]),
)
def test_to_json_keeps_invalid_json_as_its_text(text):
    assert to_json(text) == (text, INVALID_JSON)
    assert to_json(text.encode()) == (text, INVALID_JSON)


def test_to_json_repairs_bytes_before_parsing():
    assert to_json(b'{"a": "caf\xe9"}') == ({"a": "café"}, INVALID_UTF8_REPAIRED)


def test_to_json_keeps_repaired_invalid_json_as_text():
    assert to_json(b"{caf\xe9") == ("{café", "invalid utf-8 repaired; invalid json")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"a": 1}\x00', {"a": 1}),
        ('{"a\\u0000": "x\\u0000y"}', {"a": "xy"}),
        ('["\\u0000", {"k": ["deep\\u0000"]}]', ["", {"k": ["deep"]}]),
    ],
)
def test_to_json_removes_nul_that_jsonb_refuses(raw, expected):
    assert to_json(raw) == (expected, NUL_REMOVED)


@pytest.mark.parametrize(
    ("raw", "expected"), [(5, 5), (0.5, 0.5), (-(2**63), -(2**63))]
)
def test_to_json_passes_numbers(raw, expected):
    assert to_json(raw) == (expected, None)


@pytest.mark.parametrize(("raw", "text"), [(math.nan, "nan"), (math.inf, "inf")])
def test_to_json_reports_non_finite_numbers(raw, text):
    assert to_json(raw) == (text, INVALID_JSON)


@pytest.mark.parametrize("raw", ["", "  \n", b"", b" "])
def test_to_json_turns_blank_into_null(raw):
    assert to_json(raw) == (None, EMPTY_TO_NULL)


def test_to_json_keeps_null():
    assert to_json(None) == (None, None)


@pytest.mark.parametrize(
    "raw",
    ['{"a": [1, 2.5, "x"]}', "{bad", "[1e400]", "NaN", '"\\ud800"', '["\\u0000"]'],
)
def test_to_json_value_serialises_for_jsonb(raw):
    value = to_json(raw).value
    serialised = json.dumps(value, allow_nan=False)
    assert "\\u0000" not in serialised
    serialised.encode()  # no lone surrogates left


# --- id lists -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "ids", "junk"),
    [
        ("409,422", [409, 422], []),
        (" 3, 1 ,2", [3, 1, 2], []),
        (b"3,1, 2", [3, 1, 2], []),
        ("409,,422,", [409, 422], []),
        ("3,3,1,3", [3, 1], []),
        ("007", [7], []),
        ("3,x,-1,4.5, ,9", [3, 9], ["x", "-1", "4.5"]),
        ("١٢", [], ["١٢"]),
        (409, [409], []),
        (409.0, [409], []),
        (4.5, [], ["4.5"]),
        ("", [], []),
        (None, [], []),
    ],
)
def test_parse_ids(raw, ids, junk):
    assert parse_ids(raw) == (ids, junk)


def test_split_ids_returns_only_the_ids():
    assert split_ids(" 3, x, 1 ,2") == [3, 1, 2]


# --- reports --------------------------------------------------------------


def test_describe_issue_names_the_cell_the_value_and_the_fix():
    message = describe_issue(
        table="articles",
        key="https://example.com/a",
        column="publication_date",
        original=b"31/02/2025",
        issue=UNPARSEABLE_DATE,
    )
    assert message.startswith(
        "articles 'https://example.com/a', column publication_date: "
        "unparseable date in '31/02/2025'."
    )
    assert "legacy file" in message


def test_describe_issue_truncates_long_values():
    message = describe_issue(
        table="articles",
        key="u",
        column="summary",
        original="x" * 5000,
        issue=NON_NUMBER,
    )
    assert "'" + "x" * 60 + "'… (5,000 in all)" in message
    assert "x" * 61 not in message


def test_describe_issue_shows_undecodable_bytes_as_bytes():
    message = describe_issue(
        table="articles",
        key="u",
        column="summary",
        original=b"caf\xe9\x00",
        issue="invalid utf-8 repaired; nul removed",
    )
    assert "b'caf\\xe9\\x00'" in message
    assert "Windows-1252" in message
    assert "NUL" in message


@pytest.mark.parametrize("issue", ISSUES)
def test_describe_issue_advises_on_every_issue(issue):
    message = describe_issue(table="t", key=1, column="c", original="v", issue=issue)
    advice = message.removeprefix(f"t 1, column c: {issue} in 'v'. ")
    assert advice
    assert advice != message


# --- plan -----------------------------------------------------------------


def test_converters_cover_the_target_types():
    expected = {
        "text": decode_text,
        "timestamptz": to_timestamp,
        "date": to_date,
        "boolean": to_bool,
        "double": to_float,
        "integer": to_int32,
        "bigint": to_int,
        "jsonb": to_json,
    }
    assert expected == CONVERTERS


@pytest.mark.parametrize("converter", CONVERTERS.values())
def test_every_converter_keeps_null_without_issue(converter):
    assert converter(None) == (None, None)


@pytest.mark.parametrize("converter", CONVERTERS.values())
def test_every_converter_rejects_types_sqlite_cannot_return(converter):
    with pytest.raises(TypeError):
        converter(object())


@pytest.mark.parametrize(
    ("raw", "expected", "issue"),
    [
        (b"2025-10-07", date(2025, 10, 7), None),
        ("2025-10-07T00:00:00Z", date(2025, 10, 7), None),
        (b"2025-10-07 10:00:00", None, UNPARSEABLE_DATE),  # a time of day
        (b"", None, EMPTY_TO_NULL),
        (None, None, None),
        (b"yesterday", None, UNPARSEABLE_DATE),
    ],
)
def test_to_date_takes_calendar_days_only(raw, expected, issue):
    assert to_date(raw) == (expected, issue)
