"""Forms of keyword monitoring: groups, keywords and the monitor settings."""

from __future__ import annotations

from django import forms

from config_app.models import KeywordGroup, KeywordMonitorSettings, MonitoredKeyword


class KeywordGroupForm(forms.ModelForm[KeywordGroup]):
    class Meta:
        model = KeywordGroup
        fields = ["name", "topic"]
        help_texts = {"topic": "The topic its matches are filed under."}

    def clean_name(self) -> str:
        name = (self.cleaned_data.get("name") or "").strip()
        if not name:
            raise forms.ValidationError("Give the group a name.")
        return name

    def clean_topic(self) -> str:
        topic = (self.cleaned_data.get("topic") or "").strip()
        if not topic:
            raise forms.ValidationError("Give the group a topic.")
        return topic


class KeywordForm(forms.ModelForm[MonitoredKeyword]):
    class Meta:
        model = MonitoredKeyword
        fields = ["keyword"]
        labels = {"keyword": "New keyword"}

    def __init__(self, *args: object, group: KeywordGroup, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.group = group

    def clean_keyword(self) -> str:
        keyword = (self.cleaned_data.get("keyword") or "").strip()
        if not keyword:
            raise forms.ValidationError("Type a keyword to add.")
        others = self.group.keywords.exclude(pk=self.instance.pk)
        if others.filter(keyword__iexact=keyword).exists():
            raise forms.ValidationError(f"“{keyword}” is already in this group.")
        return keyword

    def save(self, commit: bool = True) -> MonitoredKeyword:
        self.instance.group = self.group
        return super().save(commit=commit)


class MonitorSettingsForm(forms.ModelForm[KeywordMonitorSettings]):
    class Meta:
        model = KeywordMonitorSettings
        fields = [
            "is_enabled",
            "check_interval",
            "interval_unit",
            "provider",
            "search_fields",
            "language",
            "sort_by",
            "page_size",
            "daily_request_limit",
            "search_date_range",
            "max_articles_per_run",
            "auto_ingest_enabled",
            "min_relevance_threshold",
            "quality_control_enabled",
            "auto_save_approved_only",
            "default_llm_model",
            "llm_temperature",
            "llm_max_tokens",
        ]
        # What each setting controls. The collector (the legacy app's keyword
        # monitor, or its successor) reads them; matching the stored and newly
        # saved articles here needs none of them.
        help_texts = {
            "is_enabled": "Whether the collector searches the news provider for "
            "the monitored keywords at all. Off: no searches, no new articles "
            "from it; keywords still match the articles stored here.",
            "check_interval": "How many interval units between two searches of "
            "the provider (15 with a unit of 60 = every 15 minutes).",
            "interval_unit": "Seconds in one interval unit: 60 = minutes, "
            "3600 = hours.",
            "provider": "The news search service the collector asks "
            "(newsapi, thenewsapi, newsdata…); its API key is set on that side.",
            "search_fields": "Which parts of the provider's articles a keyword "
            "must be in, comma-separated (title, description, content).",
            "language": "Language code of the articles searched for (en, de…).",
            "sort_by": "The provider's order of results: publishedAt (newest), "
            "relevancy or popularity.",
            "page_size": "Articles asked for per keyword and search.",
            "daily_request_limit": "Most searches a day, across keywords, to stay "
            "within the provider's plan; the count starts again each day.",
            "search_date_range": "How many days back each search looks.",
            "max_articles_per_run": "Most articles one collector run keeps, across "
            "keywords; empty for no limit.",
            "auto_ingest_enabled": "Analyse and save the articles found without "
            "waiting for someone to approve them.",
            "min_relevance_threshold": "Between 0 and 1: an article found below "
            "this relevance to its keywords is kept but flagged below threshold "
            "(and not auto-ingested).",
            "quality_control_enabled": "Check each auto-ingested article's "
            "quality with the model before saving it.",
            "auto_save_approved_only": "Save only the articles that passed the "
            "quality check; the others wait for review.",
            "default_llm_model": "The language model that analyses auto-ingested "
            "articles.",
            "llm_temperature": "Between 0 and 2: the model's randomness; low keeps "
            "analyses consistent.",
            "llm_max_tokens": "Longest answer the model may give for one article.",
        }

    POSITIVE = (
        "check_interval",
        "interval_unit",
        "page_size",
        "daily_request_limit",
        "search_date_range",
        "llm_max_tokens",
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        for name in self.POSITIVE:
            value = cleaned.get(name)
            if isinstance(value, int) and value <= 0:
                self.add_error(name, "Must be greater than zero.")
        threshold = cleaned.get("min_relevance_threshold")
        if isinstance(threshold, float) and not 0 <= threshold <= 1:
            self.add_error("min_relevance_threshold", "Must be between 0 and 1.")
        temperature = cleaned.get("llm_temperature")
        if isinstance(temperature, float) and not 0 <= temperature <= 2:
            self.add_error("llm_temperature", "Must be between 0 and 2.")
        per_run = cleaned.get("max_articles_per_run")
        if isinstance(per_run, int) and per_run <= 0:
            self.add_error("max_articles_per_run", "Must be greater than zero.")
        return cleaned
