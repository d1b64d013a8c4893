from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.bulk import BOOLEAN, NUMBER, TIMESTAMP, article_fields
from articles.management.commands import ingest_articles
from articles.models import Article, KeywordArticleMatch, RawArticle
from articles.schemas import (
    ANNOTATIONS,
    ENFORCED_KEYWORDS,
    article_line_schema,
    schema_errors,
)
from config_app.models import KeywordGroup, MonitoredKeyword

BOTH = ["default", "analytics"]


def jsonl(*articles: object) -> str:
    return "".join(
        (item if isinstance(item, str) else json.dumps(item)) + "\n"
        for item in articles
    )


def ingest(*args: str, stdin: io.IOBase | None = None) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    options = {"stdin": stdin} if stdin is not None else {}
    call_command("ingest_articles", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def articles_file(tmp_path: Path):
    def write(*lines: object) -> str:
        path = tmp_path / "articles.jsonl"
        path.write_text(jsonl(*lines), encoding="utf-8")
        return str(path)

    return write


# --- the command -----------------------------------------------------------------


@pytest.mark.django_db(databases=BOTH)
def test_every_line_of_a_file_is_saved(articles_file) -> None:
    path = articles_file(
        {"uri": "u1", "title": "One", "raw_markdown": "# One"},
        {"uri": "u2", "title": "Two", "publication_date": "2025-10-07T09:30:00Z"},
    )

    out, err = ingest(path)

    assert set(Article.objects.values_list("uri", flat=True)) == {"u1", "u2"}
    assert RawArticle.objects.get().raw_markdown == "# One"
    assert "Lines read: 2; articles saved: 2 (2 created, 0 updated" in out
    assert err == ""


@pytest.mark.django_db(databases=BOTH)
def test_bad_lines_are_reported_by_number_and_the_rest_saved(articles_file) -> None:
    path = articles_file(
        {"uri": "u1"},
        "{not json",
        {"uri": "u3", "analyzed": "yes"},
        {"title": "no uri"},
        {"uri": "u5", "publication_date": "next week"},
        {"uri": "u6"},
    )

    out, err = ingest(path)

    assert err.splitlines() == [
        "line 2: not valid JSON: Expecting property name enclosed in double quotes"
        " at column 2",
        "line 3: analyzed: expected boolean or null, got string",
        "line 4: uri: is required",
        "line 5: publication_date: expected an ISO 8601 date-time such as "
        "2025-10-07T09:30:00Z, got 'next week'",
    ]
    assert set(Article.objects.values_list("uri", flat=True)) == {"u1", "u6"}
    assert "bad lines: 4." in out


@pytest.mark.django_db(databases=BOTH)
def test_an_undocumented_field_is_a_bad_line(articles_file) -> None:
    _, err = ingest(articles_file({"uri": "u1", "titel": "typo"}))

    assert err.strip() == "line 1: titel: is not a documented field"


@pytest.mark.django_db(databases=BOTH)
def test_a_line_that_is_not_utf8_is_bad_and_the_rest_saved(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"uri": "caf\xe9"}\n{"uri": "u2"}\n')

    _, err = ingest(str(path))

    assert err.strip() == "line 1: not UTF-8 text"
    assert Article.objects.get().uri == "u2"


@pytest.mark.django_db(databases=BOTH)
def test_blank_lines_are_skipped(articles_file) -> None:
    _, err = ingest(articles_file({"uri": "u1"}, "", "   ", {"uri": "u2"}))

    assert err == ""
    assert Article.objects.count() == 2


@pytest.mark.django_db(databases=BOTH)
def test_strict_exits_with_1_when_a_line_was_bad(articles_file) -> None:
    path = articles_file({"uri": "u1"}, "[]")

    with pytest.raises(SystemExit) as exit_info:
        ingest(path, "--strict")

    assert exit_info.value.code == 1
    assert Article.objects.filter(uri="u1").exists()


@pytest.mark.django_db(databases=BOTH)
def test_strict_succeeds_on_a_clean_file(articles_file) -> None:
    out, _ = ingest(articles_file({"uri": "u1"}), "--strict")

    assert "bad lines: 0." in out


@pytest.mark.django_db(databases=BOTH)
def test_standard_input_is_read_with_a_dash() -> None:
    stdin = io.BytesIO(jsonl({"uri": "u1", "title": "Piped"}).encode())

    ingest("-", stdin=stdin)

    assert Article.objects.get().title == "Piped"


@pytest.mark.django_db(databases=BOTH)
def test_small_batches_save_everything_and_the_last_line_wins(articles_file) -> None:
    path = articles_file(
        *({"uri": f"u{n}", "title": "old"} for n in range(5)),
        {"uri": "u0", "title": "new"},
    )

    out, _ = ingest(path, "--batch-size", "2")

    assert Article.objects.count() == 5
    assert Article.objects.get(uri="u0").title == "new"
    assert "(5 created, 1 updated" in out


@pytest.mark.django_db(databases=BOTH)
def test_keyword_matches_are_counted(articles_file) -> None:
    group = KeywordGroup.objects.create(name="AI watch", topic="AI")
    MonitoredKeyword.objects.create(group=group, keyword="AI")

    out, _ = ingest(articles_file({"uri": "u1", "title": "AI chips"}))

    assert KeywordArticleMatch.objects.get().group_id == group.pk
    assert "Keyword matches: 1 new, 0 merged; new alerts: 1." in out


@pytest.mark.django_db(databases=BOTH)
def test_dry_run_saves_nothing(articles_file) -> None:
    out, _ = ingest(articles_file({"uri": "u1"}), "--dry-run")

    assert not Article.objects.exists()
    assert out.startswith("Dry run, nothing saved. Lines read: 1; articles saved: 1")


@pytest.mark.django_db(databases=BOTH)
def test_progress_lines_are_printed_when_not_on_a_terminal(
    articles_file, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest_articles, "PROGRESS_INTERVAL", 0.0)

    out, _ = ingest(
        articles_file(*({"uri": f"u{n}"} for n in range(4))), "--batch-size", "2"
    )

    progress = [line for line in out.splitlines() if line.endswith("rows/s")]
    assert [line.split(",")[0] for line in progress] == ["2 lines", "4 lines"]


def test_quiet_runs_print_nothing(articles_file) -> None:
    out, err = ingest(articles_file("oops"), "--verbosity", "0", "--dry-run")

    assert (out, err) == ("", "")


def test_a_missing_file_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"Cannot read .*missing\.jsonl"):
        ingest(str(tmp_path / "missing.jsonl"))


def test_a_batch_size_below_one_is_refused() -> None:
    with pytest.raises(CommandError, match="--batch-size"):
        ingest("-", "--batch-size", "0")


# --- the documented line format ------------------------------------------------


def test_the_schema_documents_every_accepted_field() -> None:
    assert set(article_line_schema()["properties"]) == set(article_fields())


def test_the_schema_types_follow_the_article_fields() -> None:
    expected_type = {BOOLEAN: "boolean", NUMBER: "number", TIMESTAMP: "string"}
    properties = article_line_schema()["properties"]

    for name, kind in article_fields().items():
        if name != "uri":
            assert properties[name]["type"] == [
                expected_type.get(kind, "string"),
                "null",
            ]
            assert (properties[name].get("format") == "date-time") == (
                kind == TIMESTAMP
            )


def test_the_schema_uses_only_keywords_the_validator_enforces() -> None:
    schema = article_line_schema()
    used = set(schema) | {key for rule in schema["properties"].values() for key in rule}

    assert used <= ENFORCED_KEYWORDS | ANNOTATIONS


def test_only_uri_is_required() -> None:
    assert schema_errors({"uri": "u1"}) == []


def test_a_line_must_be_an_object() -> None:
    assert schema_errors([1]) == ["expected object, got array"]


def test_whole_numbers_are_numbers_but_booleans_are_not() -> None:
    assert schema_errors({"uri": "u", "quality_score": 3}) == []
    assert schema_errors({"uri": "u", "quality_score": True}) == [
        "quality_score: expected number or null, got boolean"
    ]


def test_an_empty_uri_is_refused() -> None:
    assert schema_errors({"uri": ""}) == ["uri: must not be empty"]
