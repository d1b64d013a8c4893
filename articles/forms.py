"""Forms of the analysts' article pages: the list's filters and annotations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.http import QueryDict
from django.utils import timezone

from accounts.models import SavedSearch
from articles import facets
from articles.models import ArticleAnnotation
from articles.search import SORT_NEWEST, SORT_OLDEST, SORT_RELEVANCE, Filters

MAX_QUERY_LENGTH = 200
# The list still answers with the other filters; this says which one was dropped.
DATE_IGNORED = (
    "“{label}” is not a date (YYYY-MM-DD, years 1 to 9999): the list ignores it."
)
FACET_FIELDS = ("topic", "category", "sentiment", "time_to_impact", "driver_type")
ANALYZED_CHOICES = [("", "Any"), ("yes", "Analysed"), ("no", "Not analysed")]
WITHIN_CHOICES = [
    ("", "Any time"),
    ("24h", "Last 24 hours"),
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
]
SORT_CHOICES = [
    ("", "Best first"),
    (SORT_RELEVANCE, "Most relevant"),
    (SORT_NEWEST, "Newest first"),
    (SORT_OLDEST, "Oldest first"),
]


class ArticleFilterForm(forms.Form):
    """The list's filters, read from the query string."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        help_text='Words, "a phrase", -excluded, this or that.',
    )
    # Plain text with a menu: a value missing from the (cached) menu still filters.
    topic = forms.CharField(required=False, max_length=500, widget=forms.Select)
    category = forms.CharField(required=False, max_length=500, widget=forms.Select)
    sentiment = forms.CharField(required=False, max_length=500, widget=forms.Select)
    time_to_impact = forms.CharField(
        label="Time to impact", required=False, max_length=500, widget=forms.Select
    )
    driver_type = forms.CharField(
        label="Driver type", required=False, max_length=500, widget=forms.Select
    )
    news_source = forms.CharField(label="Source", required=False, max_length=500)
    date_from = forms.DateField(
        label="Published from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": DATE_IGNORED.format(label="Published from")},
    )
    date_to = forms.DateField(
        label="Published until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": DATE_IGNORED.format(label="Published until")},
    )
    within = forms.ChoiceField(
        label="Published within",
        choices=WITHIN_CHOICES,
        required=False,
        error_messages={
            "invalid_choice": "“%(value)s” is not a quick range (24h, 7d or 30d): "
            "the list ignores it."
        },
    )
    analyzed = forms.ChoiceField(
        label="Analysis",
        choices=ANALYZED_CHOICES,
        required=False,
        error_messages={
            "invalid_choice": "“%(value)s” is not an analysis state (yes or no): "
            "the list ignores it."
        },
    )
    sort = forms.ChoiceField(
        label="Order",
        choices=SORT_CHOICES,
        required=False,
        error_messages={
            "invalid_choice": "“%(value)s” is not an order (relevance, newest or "
            "oldest): the list uses its usual order."
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Choices come from a cached index walk (articles.facets), never from a
        # SELECT DISTINCT over the whole table per request.
        for name in FACET_FIELDS:
            values = facets.distinct_values(name)
            current = self.data.get(name, "")
            if current and current not in values:
                values = [current, *values]
            choices = [("", "Any"), *((value, value) for value in values)]
            self.fields[name].widget.choices = choices
        self.source_suggestions = facets.distinct_values("news_source")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filters(self) -> Filters:
        """The valid filters; call after is_valid()."""
        data = self.cleaned_data
        analyzed = {"yes": True, "no": False}.get(data.get("analyzed") or "")
        return Filters(
            q=(data.get("q") or "").strip(),
            **{name: data.get(name) or "" for name in FACET_FIELDS},
            news_source=(data.get("news_source") or "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            analyzed=analyzed,
            sort=data.get("sort") or "",
            within=data.get("within") or "",
        )

    def ignored(self) -> list[tuple[str, str]]:
        """(label, message) of each filter the list could not use."""
        problems = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else "Filters"
            problems += [(str(label or name), str(error)) for error in errors]
        return problems


class AnnotationForm(forms.ModelForm[ArticleAnnotation]):
    # The column allows NULL for legacy rows; a new note is private or not.
    is_private = forms.BooleanField(label="Only visible to me", required=False)

    class Meta:
        model = ArticleAnnotation
        fields = ["content", "is_private"]
        labels = {"content": "Note", "is_private": "Only visible to me"}
        widgets = {"content": forms.Textarea(attrs={"rows": 4})}
        error_messages = {
            "content": {"required": "Write something before saving the note."}
        }

    def clean_content(self) -> str:
        content = (self.cleaned_data.get("content") or "").strip()
        if not content:
            raise forms.ValidationError("Write something before saving the note.")
        if len(content) > 10_000:
            raise forms.ValidationError("Keep a note under 10,000 characters.")
        return content


class SavedSearchForm(forms.ModelForm[SavedSearch]):
    """Names the list's current query string for the reader."""

    class Meta:
        model = SavedSearch
        fields = ["name", "query", "alert"]
        error_messages = {
            "name": {
                "required": "give it a name.",
                "max_length": "keep the name under 100 characters.",
            }
        }

    def __init__(self, *args: Any, user: AbstractBaseUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_name(self) -> str:
        name = " ".join((self.cleaned_data.get("name") or "").split())
        if not name:
            raise forms.ValidationError("give it a name.")
        taken = SavedSearch.objects.filter(user_id=self.user.pk, name=name)
        if taken.exists():
            raise forms.ValidationError(
                f"you already have a search named “{name}”: choose another name "
                "or delete that one under Saved."
            )
        return name

    def clean_query(self) -> str:
        query = self.cleaned_data.get("query") or ""
        filters = ArticleFilterForm(QueryDict(query))
        if not filters.is_valid():
            raise forms.ValidationError(
                "its filters are not valid; correct them on the list first."
            )
        return query

    def save(self, commit: bool = True) -> SavedSearch:
        searched = super().save(commit=False)
        searched.user_id = self.user.pk
        searched.last_seen_at = timezone.now()
        if commit:
            searched.save()
        return searched
