"""The analysts' pages over PostgreSQL: articles, notes and keyword alerts."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import BooleanField, Case, Field, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_stubs_ext import StrOrPromise, WithAnnotations

from accounts.http import AuthenticatedHttpRequest
from accounts.models import SavedSearch, UserPreferences
from articles import crossdb, export, saved, search, trends
from articles.forms import (
    WITHIN_CHOICES,
    AnnotationForm,
    ArticleFilterForm,
    SavedSearchForm,
)
from articles.models import (
    Article,
    ArticleAnalysisCache,
    ArticleAnnotation,
    KeywordArticleMatch,
    RawArticle,
)

User = AbstractBaseUser | AnonymousUser

# Analysed fields shown on the article page, in reading order, each with its
# explanation field when it has one.
ANALYSIS_FIELDS = (
    ("category", None),
    ("sentiment", "sentiment_explanation"),
    ("future_signal", "future_signal_explanation"),
    ("time_to_impact", "time_to_impact_explanation"),
    ("driver_type", "driver_type_explanation"),
    ("tags", None),
    ("extracted_article_topics", None),
    ("extracted_article_keywords", None),
    ("topic_alignment_score", None),
    ("keyword_relevance_score", None),
    ("confidence_score", None),
    ("overall_match_explanation", None),
    ("quality_score", "quality_issues"),
    ("ingest_status", None),
)
SOURCE_FIELDS = (
    "bias",
    "factual_reporting",
    "mbfc_credibility_rating",
    "bias_source",
    "bias_country",
    "press_freedom",
    "media_type",
    "popularity",
)


def reader_preferences(request: AuthenticatedHttpRequest) -> UserPreferences:
    """The reader's preferences (defaults when never saved), once per request.

    Read without creating a row: browsing never writes. The base template's
    theme tag reuses the same object.
    """
    cached = getattr(request, "reader_preferences", None)
    if cached is None:
        cached = UserPreferences.objects.filter(user_id=request.user.pk).first()
        cached = cached or UserPreferences(user_id=request.user.pk)
        request.reader_preferences = cached  # type: ignore[attr-defined]
    return cached


# Articles ----------------------------------------------------------------------


# The list's own parameters: everything else in its query string is a filter.
PAGING_KEYS = ("after", "before", "view", "per")


def list_form(request: HttpRequest) -> ArticleFilterForm:
    """The list's filters from the query string, the reader's default topic too."""
    data = request.GET.copy()
    preferences = reader_preferences(request)  # type: ignore[arg-type]
    if "topic" not in data and preferences.default_topic:
        data["topic"] = preferences.default_topic
    form = ArticleFilterForm(data)
    form.is_valid()  # invalid fields are named at the top of the page and ignored
    return form


def form_query(form: ArticleFilterForm) -> QueryDict:
    """The query string the form read (with the reader's default topic)."""
    assert isinstance(form.data, QueryDict)  # list_form builds it from request.GET
    return form.data


def filter_query(form: ArticleFilterForm) -> str:
    """The form's query string (default topic included) without paging and view."""
    params = form_query(form).copy()
    for key in PAGING_KEYS:
        params.pop(key, None)
    return str(params.urlencode())


@require_GET
def article_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = list_form(request)
    filters = form.filters()
    after, before = request.GET.get("after", ""), request.GET.get("before", "")
    size = reader_preferences(request).page_size
    page = search.search_page(filters, size=size, after=after, before=before)
    ignored = form.ignored()
    token = after or before
    if token and search.Cursor.decode(token, filters.effective_sort) is None:
        ignored.append(("Page", "The page link was not understood: first page shown."))
    compact = request.GET.get("view") == "compact"
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "matches": search.count_matches(filters, page),
        "ignored": ignored,
        "compact": compact,
        "filter_query": filter_query(form),
        # The article's "← Articles" returns to this very page and view.
        "back_query": form_query(form).urlencode(),
        "within_choices": WITHIN_CHOICES[1:],
    }
    if filters.q and not page.articles:
        context["only_common_words"] = search.only_common_words(filters.q)
    return render(request, "articles/article_list.html", context)


@require_GET
def trends_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = list_form(request)
    filters = form.filters()
    window = trends.window_for(filters, request.GET.get("per", ""))
    context = {
        "form": form,
        "filters": filters,
        "ignored": form.ignored(),
        "trends": trends.trends(
            filters, window, trends.Links(form_query(form), window)
        ),
        "window": window,
        "filter_query": filter_query(form),
        "within_choices": WITHIN_CHOICES[1:],
    }
    return render(request, "articles/trends.html", context)


@require_GET
def article_detail(request: HttpRequest, uri: str) -> HttpResponse:
    followed = crossdb.followed_group_ids(request.user)
    if followed:
        # Reading the article is reading its alerts.
        KeywordArticleMatch.objects.filter(
            crossdb.UNREAD, article_id=uri, group_id__in=followed
        ).update(is_read=True)
    return _render_detail(request, uri, AnnotationForm())


def _list_url(back: str) -> str:
    """The list with the filters of ``back`` (a list query string), others dropped."""
    kept = QueryDict(mutable=True)
    for key, values in QueryDict(back).lists():
        if key in ArticleFilterForm.base_fields or key in PAGING_KEYS:
            kept.setlist(key, values)
    encoded = kept.urlencode()
    return reverse("articles:list") + (f"?{encoded}" if encoded else "")


def _render_detail(
    request: HttpRequest, uri: str, form: AnnotationForm, status: int = 200
) -> HttpResponse:
    article = get_object_or_404(Article.objects.defer("search_vector"), uri=uri)
    matches = list(article.keyword_matches.order_by("-detected_at"))
    crossdb.attach_groups(matches)
    context = {
        "article": article,
        "analysis": _present(article, ANALYSIS_FIELDS),
        "source_rating": _present(article, [(name, None) for name in SOURCE_FIELDS]),
        "raw_markdown": RawArticle.objects.filter(article_id=uri)
        .values_list("raw_markdown", flat=True)
        .first(),
        "analyses": ArticleAnalysisCache.objects.filter(article_uri=uri).order_by(
            "analysis_type", "-generated_at"
        ),
        "matches": matches,
        "annotations": visible_annotations(article, request.user),
        "form": form,
        "list_url": _list_url(request.GET.get("back", "")),
    }
    return render(request, "articles/article_detail.html", context, status=status)


def _present(
    article: Article, fields: Iterable[tuple[str, str | None]]
) -> list[tuple[StrOrPromise, object, object]]:
    """(label, value, explanation) of the fields that have a value."""
    rows: list[tuple[StrOrPromise, object, object]] = []
    for name, explanation in fields:
        value = getattr(article, name)
        if value in (None, ""):
            continue
        field = Article._meta.get_field(name)
        # Only columns are listed; a reverse relation would have no verbose name.
        label = field.verbose_name if isinstance(field, Field) else name
        rows.append(
            (
                label,
                _shown(name, value),
                getattr(article, explanation) if explanation else None,
            )
        )
    return rows


def _shown(name: str, value: object) -> object:
    """A value as a reader wants it: scores to three places, tags spaced."""
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    if name == "tags" and isinstance(value, str):
        return ", ".join(tag.strip() for tag in value.split(",") if tag.strip())
    return value


# Notes (annotations) ------------------------------------------------------------


def _owned_by(user: User) -> Q:
    # Notes imported from the legacy app carry only the author's username.
    return Q(user_id=user.pk) | Q(user_id__isnull=True, author=user.get_username())


def visible_annotations(article: Article, user: User) -> list[ArticleAnnotation]:
    """Shared notes and the reader's own private ones; never others' private notes."""
    shared = Q(is_private=False) | Q(is_private__isnull=True)
    notes = ArticleAnnotation.objects.filter(article=article).filter(
        shared | _owned_by(user)
    )
    rows = list(notes.order_by("created_at", "id"))
    for note in rows:
        note.is_mine = note.user_id == user.pk or (  # type: ignore[attr-defined]
            note.user_id is None and note.author == user.get_username()
        )
    return rows


@require_POST
def annotation_add(request: HttpRequest, uri: str) -> HttpResponse:
    article = get_object_or_404(Article.objects.only("uri"), uri=uri)
    form = AnnotationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The note was not saved: see below.")
        return _render_detail(request, uri, form, status=400)
    note = form.save(commit=False)
    now = timezone.now()
    note.article = article
    note.user_id = request.user.pk
    note.author = request.user.get_username()
    note.created_at = note.updated_at = now
    note.save()
    messages.success(request, "Note added.")
    return redirect(f"{article.get_absolute_url()}#note-{note.pk}")


def _own_note(request: HttpRequest, pk: int) -> ArticleAnnotation:
    # Another reader's note answers 404, so private notes do not even show they exist.
    return get_object_or_404(
        ArticleAnnotation.objects.filter(_owned_by(request.user)), pk=pk
    )


@require_http_methods(["GET", "POST"])
def annotation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    note = _own_note(request, pk)
    form = AnnotationForm(request.POST or None, instance=note)
    if request.method == "POST":
        if form.is_valid():
            note = form.save(commit=False)
            note.updated_at = timezone.now()
            note.save()
            messages.success(request, "Note saved.")
            return redirect(f"{_article_url(note)}#note-{note.pk}")
        messages.error(request, "The note was not saved: see below.")
    status = 400 if form.errors else 200
    context = {"form": form, "note": note, "article_url": _article_url(note)}
    return render(request, "articles/annotation_edit.html", context, status=status)


@require_POST
def annotation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    note = _own_note(request, pk)
    url = _article_url(note)
    note.delete()
    messages.success(request, "Note deleted.")
    return redirect(f"{url}#notes")


def _article_url(note: ArticleAnnotation) -> str:
    return reverse("articles:detail", kwargs={"uri": note.article_id})


# Alerts ------------------------------------------------------------------------

# Undated matches sort as the oldest.
NO_DATE = datetime(1970, 1, 1, tzinfo=UTC)


@require_GET
def alert_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    groups = crossdb.followed_groups(request.user)
    counts = crossdb.unread_counts([group.pk for group in groups])
    for group in groups:
        group.unread = counts.get(group.pk, 0)  # type: ignore[attr-defined]
    # The navigation's unread badge reuses these counts instead of asking again.
    request.unread_alerts = sum(counts.values())  # type: ignore[attr-defined]
    selected = _selected_group(request, groups)
    unread_only = request.GET.get("show") == "unread"
    size = reader_preferences(request).page_size
    scope = [selected.pk] if selected else [group.pk for group in groups]
    matches, next_token = _alert_page(
        scope, unread_only, size, request.GET.get("after", "")
    )
    crossdb.attach_groups(matches, known={group.pk: group for group in groups})
    context = {
        "groups": groups,
        "selected": selected,
        "unread_only": unread_only,
        "matches": matches,
        "next_token": next_token,
        "paged": bool(request.GET.get("after")),
    }
    return render(request, "articles/alert_list.html", context)


def _selected_group(request: HttpRequest, groups: list[Any]) -> Any:
    wanted = request.GET.get("group", "")
    return next((group for group in groups if str(group.pk) == wanted), None)


if TYPE_CHECKING:
    # Types only: WithAnnotations takes two arguments for the type checker alone.
    class _AlertOrder(TypedDict):
        unread: bool
        seen: datetime

    # A match with the annotations the alert list sorts and pages on.
    AlertMatch = WithAnnotations[KeywordArticleMatch, _AlertOrder]


def _alerts(group_ids: list[int]) -> QuerySet[AlertMatch]:
    return (
        KeywordArticleMatch.objects.filter(group_id__in=group_ids)
        .select_related("article")
        .defer("legacy_extra", "article__search_vector", "article__legacy_extra")
        .annotate(
            unread=Case(
                When(is_read=True, then=Value(False)),
                default=Value(True),
                output_field=BooleanField(),
            ),
            seen=Coalesce("detected_at", Value(NO_DATE)),
        )
        .order_by("-unread", "-seen", "-id")
    )


def _alert_page(
    group_ids: list[int], unread_only: bool, size: int, token: str
) -> tuple[list[AlertMatch], str | None]:
    """Unread first, newest first; keyset on (unread, detected, id)."""
    if not group_ids:
        return [], None
    queryset = _alerts(group_ids)
    if unread_only:
        queryset = queryset.filter(unread=True)
    position = _decode_alert_token(token)
    if position is not None:
        unread, seen, pk = position
        queryset = queryset.filter(
            Q(unread__lt=unread)
            | Q(unread=unread, seen__lt=seen)
            | Q(unread=unread, seen=seen, id__lt=pk)
        )
    rows = list(queryset[: size + 1])
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    last = rows[-1]
    return rows, _encode_alert_token(last.unread, last.seen, last.pk)


def _encode_alert_token(unread: bool, seen: datetime, pk: int) -> str:
    raw = json.dumps([unread, seen.isoformat(), pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_alert_token(token: str) -> tuple[bool, datetime, int] | None:
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        unread, seen, pk = json.loads(raw)
        return bool(unread), search.utc_from_iso(seen), int(pk)
    except (binascii.Error, ValueError, TypeError, OverflowError):
        return None


@require_POST
def alerts_mark(request: HttpRequest) -> HttpResponse:
    """Marks one alert, the ticked ones, or a whole group read or unread."""
    followed = crossdb.followed_group_ids(request.user)
    targets, read = _mark_targets(request, followed)
    if targets is None or read is None:
        messages.error(request, "Tick at least one alert, or choose a group.")
        return _back_to_alerts(request)
    changed = targets.exclude(is_read=read).update(is_read=read)
    state = "read" if read else "unread"
    noun = "alert" if changed == 1 else "alerts"
    messages.success(request, f"Marked {changed} {noun} {state}.")
    return _back_to_alerts(request)


def _mark_targets(
    request: HttpRequest, followed: list[int]
) -> tuple[QuerySet[KeywordArticleMatch] | None, bool | None]:
    # Only matches of followed groups can be changed, whatever ids are posted.
    matches = KeywordArticleMatch.objects.filter(group_id__in=followed)
    one = request.POST.get("mark_one", "")
    if ":" in one:
        state, _, pk = one.partition(":")
        return _ids(matches, [pk]), _read_state(state)
    read = _read_state(request.POST.get("action", ""))
    group = request.POST.get("group", "")
    if group.isdigit() and int(group) in followed:
        return matches.filter(group_id=int(group)), read
    ids = request.POST.getlist("ids")
    return (_ids(matches, ids) if ids else None), read


def _ids(
    matches: QuerySet[KeywordArticleMatch], raw: list[str]
) -> QuerySet[KeywordArticleMatch] | None:
    ids = [int(value) for value in raw if value.isdigit()]
    return matches.filter(id__in=ids) if ids else None


def _read_state(value: str) -> bool | None:
    return {"read": True, "unread": False}.get(value)


def _back_to_alerts(request: HttpRequest) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("articles:alerts")
    return redirect(target)


# Exports ------------------------------------------------------------------------


def _export_refused(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _export_kind(request: HttpRequest) -> str | None:
    kind = request.GET.get("format", "")
    return kind if kind in export.FORMATS else None


def _streamed(kind: str, pieces: Iterable[str], name: str) -> StreamingHttpResponse:
    content_type, extension = export.FORMATS[kind]
    response = StreamingHttpResponse(
        (piece.encode() for piece in pieces), content_type=content_type
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="aunoo-{name}-{stamp}.{extension}"'
    )
    return response


NO_FORMAT = "Choose an export format: format=csv, format=jsonl or format=md."


@require_GET
def article_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The list or search as it is filtered, every match, newest (or oldest) first."""
    kind = _export_kind(request)
    if kind is None:
        return _export_refused(NO_FORMAT)
    form = list_form(request)
    if form.errors:
        problems = "; ".join(f"{label}: {text}" for label, text in form.ignored())
        return _export_refused(
            f"Nothing exported: {problems} Correct the filter and export again."
        )
    filters = form.filters()
    sort = (
        search.SORT_OLDEST if filters.sort == search.SORT_OLDEST else search.SORT_NEWEST
    )
    queryset = search.filter_articles(filters)
    user = request.user

    def fetch(token: str) -> tuple[list[Article], str | None]:
        cursor = search.Cursor.decode(token, sort) if token else None
        page = search.page_of(queryset, sort=sort, size=export.CHUNK, after=cursor)
        export.attach_notes(page.articles, user)
        return page.articles, page.next_cursor

    columns = [
        *export.article_columns(lambda article: article),
        export.Column("notes", lambda article: article.export_notes),
    ]
    title = f"Reading list: {filters.q}" if filters.q else "Reading list"
    pieces = export.render(kind, export.chunks(fetch), columns, title)
    return _streamed(kind, pieces, "search" if filters.q else "articles")


@require_GET
def alerts_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The alerts page's matches (its group and unread choice), every one of them."""
    kind = _export_kind(request)
    if kind is None:
        return _export_refused(NO_FORMAT)
    groups = crossdb.followed_groups(request.user)
    selected = _selected_group(request, groups)
    scope = [selected.pk] if selected else [group.pk for group in groups]
    unread_only = request.GET.get("show") == "unread"
    known = {group.pk: group for group in groups}
    user = request.user

    def fetch(token: str) -> tuple[list[AlertMatch], str | None]:
        matches, next_token = _alert_page(scope, unread_only, export.CHUNK, token)
        crossdb.attach_groups(matches, known=known)
        export.attach_notes([match.article for match in matches], user)
        return matches, next_token

    columns = [
        export.Column("group", lambda m: m.group.name if m.group else m.group_id),
        export.Column("keywords", lambda m: ", ".join(k.keyword for k in m.keywords)),
        export.Column("detected_at", lambda m: m.detected_at),
        export.Column("read", lambda m: bool(m.is_read)),
        *export.article_columns(lambda m: m.article),
        export.Column("notes", lambda m: m.article.export_notes),
    ]
    pieces = export.render(kind, export.chunks(fetch), columns, "Alerts")
    return _streamed(kind, pieces, "alerts")


# Saved searches -----------------------------------------------------------------


@require_GET
def saved_search_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    searches = saved.with_new_counts(request.user)
    return render(request, "articles/saved_searches.html", {"searches": searches})


@require_POST
def saved_search_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SavedSearchForm(request.POST, user=request.user)
    query = request.POST.get("query", "")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"The search was not saved: {error}")
        return redirect(_list_url(query))
    searched = form.save()
    saved.forget_counts(request.user)
    messages.success(request, f"Saved “{searched.name}”. It is under Saved above.")
    return redirect(_list_url(searched.query))


@require_GET
def saved_search_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The list with the saved search's filters; its new articles count as seen."""
    searched = get_object_or_404(SavedSearch, pk=pk, user=request.user)
    searched.last_seen_at = timezone.now()
    searched.save(update_fields=["last_seen_at"])
    saved.forget_counts(request.user)
    return redirect(_list_url(searched.query))


@require_POST
def saved_search_update(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    searched = get_object_or_404(SavedSearch, pk=pk, user=request.user)
    action = request.POST.get("action", "")
    if action == "delete":
        searched.delete()
        messages.success(request, f"Deleted “{searched.name}”.")
    elif action in ("alert", "quiet"):
        searched.alert = action == "alert"
        searched.last_seen_at = timezone.now()
        searched.save(update_fields=["alert", "last_seen_at"])
        state = "counts new articles" if searched.alert else "no longer counts"
        messages.success(request, f"“{searched.name}” {state}.")
    else:
        messages.error(request, "Choose delete, alert or quiet.")
    saved.forget_counts(request.user)
    return redirect("articles:saved")
