"""Keyword monitoring pages (SQLite): groups, keywords, follows, monitor settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from articles import stored_matches
from articles.models import KeywordAlert, KeywordArticleMatch, KeywordScan
from config_app.forms import KeywordForm, KeywordGroupForm, MonitorSettingsForm
from config_app.models import (
    KeywordGroup,
    KeywordGroupFollow,
    KeywordMonitorSettings,
    MonitoredKeyword,
)


def _groups(request: AuthenticatedHttpRequest) -> QuerySet[KeywordGroup]:
    follows = KeywordGroupFollow.objects.filter(user=request.user, group=OuterRef("pk"))
    return (
        KeywordGroup.objects.select_related("owner")
        .annotate(keyword_count=Count("keywords"), followed=Exists(follows))
        .order_by("name")
    )


@require_GET
def group_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    groups = list(_groups(request))
    matched = dict(
        KeywordArticleMatch.objects.filter(group_id__in=[g.pk for g in groups])
        .values("group_id")
        .annotate(n=Count("id"))
        .values_list("group_id", "n")
    )
    for group in groups:
        group.matched_articles = matched.get(group.pk, 0)  # type: ignore[attr-defined]
    context = {"groups": groups, "form": KeywordGroupForm()}
    return render(request, "config_app/group_list.html", context)


@require_POST
def group_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = KeywordGroupForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The group was not created: see below.")
        context = {"groups": _groups(request), "form": form}
        return render(request, "config_app/group_list.html", context, status=400)
    group = form.save(commit=False)
    group.owner = request.user
    group.save()
    KeywordGroupFollow.objects.create(user=request.user, group=group)
    messages.success(request, f"Created “{group.name}”; you follow it.")
    return redirect("keywords:group", pk=group.pk)


@require_GET
def group_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(_groups(request), pk=pk)
    return _render_group(request, group)


def _render_group(
    request: HttpRequest,
    group: KeywordGroup,
    *,
    rename_form: KeywordGroupForm | None = None,
    keyword_form: KeywordForm | None = None,
    edit_form: KeywordForm | None = None,
    status: int = 200,
) -> HttpResponse:
    keywords = list(group.keywords.order_by("keyword"))
    scanning = _attach_scan_state(keywords)
    context = {
        "group": group,
        "can_change": group.can_be_changed_by(request.user),
        "keywords": keywords,
        "scanning": scanning,
        "rename_form": rename_form or KeywordGroupForm(instance=group),
        "keyword_form": keyword_form or KeywordForm(group=group),
        "edit_form": edit_form,
    }
    return render(request, "config_app/group_detail.html", context, status=status)


def _attach_scan_state(keywords: list[MonitoredKeyword]) -> bool:
    """Each keyword's article count and latest scan; True while one is pending."""
    ids = [keyword.pk for keyword in keywords]
    counts = dict(
        KeywordAlert.objects.filter(keyword_id__in=ids)
        .values("keyword_id")
        .annotate(n=Count("id"))
        .values_list("keyword_id", "n")
    )
    latest: dict[int, KeywordScan] = {}
    for scan in KeywordScan.objects.filter(keyword_id__in=ids).order_by(
        "keyword_id", "-requested_at", "-id"
    ):
        latest.setdefault(scan.keyword_id, scan)
    pending = False
    for keyword in keywords:
        keyword.article_count = counts.get(keyword.pk, 0)  # type: ignore[attr-defined]
        found = latest.get(keyword.pk)
        keyword.scan = found  # type: ignore[attr-defined]
        keyword.scan_pending = found is not None and not found.is_done  # type: ignore[attr-defined]
        pending = pending or keyword.scan_pending  # type: ignore[attr-defined]
    if pending:
        # Perhaps left by a process that stopped: this one takes them up.
        stored_matches.run_in_background()
    return pending


def _scan_message(started_now: bool, what: str) -> str:
    if started_now:
        return f"{what} matched against the stored articles: counts below."
    return (
        f"{what} being matched against the stored articles in the background; "
        "reload this page for the counts."
    )


def _check_can_change(request: HttpRequest, group: KeywordGroup) -> None:
    if group.can_be_changed_by(request.user):
        return
    owner = group.owner
    who = f"its owner ({owner.get_username()}) or staff" if owner else "staff"
    raise PermissionDenied(f"Only {who} can rename or delete “{group.name}”.")


@require_POST
def group_rename(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(_groups(request), pk=pk)
    _check_can_change(request, group)
    form = KeywordGroupForm(request.POST, instance=group)
    if not form.is_valid():
        messages.error(request, "The group was not renamed: see below.")
        fresh = get_object_or_404(_groups(request), pk=pk)
        return _render_group(request, fresh, rename_form=form, status=400)
    form.save()
    messages.success(request, "Group saved.")
    return redirect("keywords:group", pk=pk)


@require_POST
def group_delete(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(KeywordGroup.objects.select_related("owner"), pk=pk)
    _check_can_change(request, group)
    name = group.name
    group.delete()
    # The group's matches live in PostgreSQL, out of reach of SQLite's cascade;
    # without their group they could never be shown again.
    KeywordArticleMatch.objects.filter(group_id=pk).delete()
    messages.success(request, f"Deleted “{name}” and its alerts.")
    return redirect("keywords:groups")


@require_POST
def keyword_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(_groups(request), pk=pk)
    form = KeywordForm(request.POST, group=group)
    if not form.is_valid():
        messages.error(request, "The keyword was not added: see below.")
        return _render_group(request, group, keyword_form=form, status=400)
    keyword = form.save()
    done = stored_matches.start_scans([keyword])
    messages.success(
        request,
        f"Now watching “{keyword.keyword}”. " + _scan_message(done, "It is"),
    )
    return redirect("keywords:group", pk=pk)


@require_POST
def keyword_change(
    request: AuthenticatedHttpRequest, pk: int, keyword_pk: int
) -> HttpResponse:
    group = get_object_or_404(_groups(request), pk=pk)
    keyword = get_object_or_404(MonitoredKeyword, pk=keyword_pk, group_id=pk)
    old = keyword.keyword
    form = KeywordForm(request.POST, instance=keyword, group=group)
    if not form.is_valid():
        messages.error(request, f"“{old}” was not changed: see below.")
        return _render_group(request, group, status=400, edit_form=form)
    keyword = form.save()
    if keyword.keyword == old:
        messages.info(request, f"“{old}” is unchanged.")
        return redirect("keywords:group", pk=pk)
    done = stored_matches.start_scans([keyword])
    messages.success(
        request,
        f"“{old}” is now “{keyword.keyword}”. " + _scan_message(done, "It is"),
    )
    return redirect("keywords:group", pk=pk)


@require_POST
def group_rescan(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(_groups(request), pk=pk)
    keywords = list(group.keywords.all())
    if not keywords:
        messages.error(request, "The group has no keywords yet: add one first.")
        return redirect("keywords:group", pk=pk)
    done = stored_matches.start_scans(keywords)
    messages.success(
        request, _scan_message(done, f"The {len(keywords)} keyword(s) are")
    )
    return redirect("keywords:group", pk=pk)


@require_POST
def keyword_remove(request: HttpRequest, pk: int, keyword_pk: int) -> HttpResponse:
    keyword = get_object_or_404(MonitoredKeyword, pk=keyword_pk, group_id=pk)
    keyword.delete()
    messages.success(request, f"Stopped watching “{keyword.keyword}”.")
    return redirect("keywords:group", pk=pk)


@require_POST
def group_follow(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(KeywordGroup, pk=pk)
    if request.POST.get("follow") == "no":
        KeywordGroupFollow.objects.filter(user=request.user, group=group).delete()
        messages.success(request, f"You no longer follow “{group.name}”.")
    else:
        KeywordGroupFollow.objects.get_or_create(user=request.user, group=group)
        messages.success(
            request, f"You follow “{group.name}”: its matches are in Alerts."
        )
    if request.POST.get("from") == "list":
        return redirect("keywords:groups")
    return redirect("keywords:group", pk=pk)


@require_http_methods(["GET", "POST"])
def monitor_settings(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied("Only staff can change the keyword monitor settings.")
    form = MonitorSettingsForm(
        request.POST or None, instance=KeywordMonitorSettings.load()
    )
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Monitor settings saved.")
            return redirect("keywords:settings")
        messages.error(request, "The settings were not saved: see below.")
    status = 400 if form.errors else 200
    return render(
        request, "config_app/monitor_settings.html", {"form": form}, status=status
    )
