"""Template helpers of the analysts' pages: safe markdown, highlights, navigation."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import markdown
import nh3
from django import template
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import UserPreferences
from articles import crossdb, saved, search
from articles.models import KeywordArticleMatch

register = template.Library()

# What an article body may keep after sanitising: text structure, links and
# images; no scripts, styles, frames, forms or event handlers.
MARKDOWN_TAGS = {
    *{"a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em"},
    *{"h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre"},
    *{"s", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul"},
}
MARKDOWN_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Shown as "999+" above this, so the navigation never counts a whole inbox.
UNREAD_COUNT_CAP = 999


def render_markdown(text: str | None) -> SafeString:
    """An article's markdown as sanitised HTML: nothing in it can run."""
    html = markdown.markdown(text or "", extensions=["tables", "fenced_code"])
    clean = nh3.clean(
        html,
        tags=MARKDOWN_TAGS,
        clean_content_tags={"script", "style"},
        attributes=MARKDOWN_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)


register.filter("markdown", render_markdown, is_safe=True)


@register.filter
def web_link(uri: str | None) -> str:
    """``uri`` when it is an http(s) address, else "": never a javascript: link."""
    text = (uri or "").strip()
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return ""
    return text if scheme in {"http", "https"} else ""


register.filter("highlight", search.highlight, is_safe=True)


def _signed_in_user(request: HttpRequest | None) -> AbstractBaseUser | None:
    """The signed-in reader, or None.

    None too for an error page rendered before AuthenticationMiddleware ran (a
    disallowed Host is refused first): such a request has no user at all.
    """
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


@register.simple_tag(takes_context=True)
def unread_alert_count(context: template.Context) -> str:
    """Unread alerts of the followed groups: one query per database, capped."""
    request: HttpRequest | None = context.get("request")
    user = _signed_in_user(request)
    if user is None:
        return ""
    # The alerts page has counted already; elsewhere count here.
    count = getattr(request, "unread_alerts", None)
    if count is None:
        count = _count_unread(user)
    if count > UNREAD_COUNT_CAP:
        return f"{UNREAD_COUNT_CAP}+"
    return str(count) if count else ""


def _count_unread(user: AbstractBaseUser) -> int:
    group_ids = crossdb.followed_group_ids(user)
    if not group_ids:
        return 0
    unread = KeywordArticleMatch.objects.filter(crossdb.UNREAD, group_id__in=group_ids)
    return unread[: UNREAD_COUNT_CAP + 1].count()


@register.simple_tag(takes_context=True)
def user_theme(context: template.Context) -> str:
    """The reader's theme preference ("system", "light" or "dark")."""
    request: HttpRequest | None = context.get("request")
    user = _signed_in_user(request)
    if user is None:
        return UserPreferences.Theme.SYSTEM
    preferences = getattr(request, "reader_preferences", None)
    if preferences is not None:
        return str(preferences.theme)
    theme = (
        UserPreferences.objects.filter(user_id=user.pk)
        .values_list("theme", flat=True)
        .first()
    )
    return theme or UserPreferences.Theme.SYSTEM


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: Any) -> str:
    """The current query string with ``changes`` applied (None or "" removes)."""
    request: HttpRequest = context["request"]
    params = request.GET.copy()
    for key in ("after", "before"):
        params.pop(key, None)
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def saved_searches(context: template.Context) -> dict[str, Any]:
    """The reader's saved searches and their new articles, for the navigation."""
    user = _signed_in_user(context.get("request"))
    items = saved.with_new_counts(user) if user is not None else []
    total = sum(getattr(searched, "new", None) or 0 for searched in items)
    return {"items": items, "new_total": total}


# The trends charts are thousands of elements: built here in one pass, every
# value escaped, because the template language costs ~50x more per element.


@register.simple_tag
def trend_bars(chart: Any) -> SafeString:
    """The chart's SVG segments: each a link to the list it counts."""
    parts = []
    for bar in chart.bars:
        day = bar.bucket.isoformat()
        for segment in bar.segments:
            value = escape(segment.value)
            parts.append(
                f'<a href="{escape(segment.href)}" tabindex="-1" data-bucket="{day}"'
                f' data-value="{value}"><rect class="series-{segment.series}"'
                f' x="{bar.x:.3f}" y="{segment.y:.3f}" width="{chart.width:.3f}"'
                f' height="{segment.height:.3f}"><title>{day} · {value}:'
                f" {segment.count}</title></rect></a>"
            )
    # Safe: every value from the database went through escape() above.
    return mark_safe("".join(parts))


@register.simple_tag
def trend_rows(chart: Any) -> SafeString:
    """The data table's rows: one per bucket with articles, a link per count."""
    rows = []
    for bar in chart.bars:
        if not bar.total:
            continue
        cells = "".join(
            f'<td><a href="{escape(href)}">{count}</a></td>' if count else "<td>0</td>"
            for count, href in bar.cells
        )
        rows.append(
            f'<tr><th scope="row">{bar.bucket.isoformat()}</th>{cells}'
            f"<td>{bar.total}</td></tr>"
        )
    # Safe: hrefs escaped above; the rest are dates and integers.
    return mark_safe("".join(rows))
