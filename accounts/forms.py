"""The reader's own UI preferences."""

from __future__ import annotations

from django import forms

from accounts.models import UserPreferences


class PreferencesForm(forms.ModelForm[UserPreferences]):
    class Meta:
        model = UserPreferences
        fields = ["page_size", "default_topic", "theme"]
        labels = {
            "page_size": "Articles per page",
            "default_topic": "Default topic",
            "theme": "Theme",
        }
        help_texts = {
            "page_size": "Between 5 and 200.",
            "default_topic": "Applied to the article list when you pick no topic.",
        }
        widgets = {"theme": forms.RadioSelect}

    def clean_page_size(self) -> int:
        size = self.cleaned_data["page_size"]
        if not 5 <= size <= 200:
            raise forms.ValidationError("Choose between 5 and 200 articles per page.")
        return int(size)

    def clean_default_topic(self) -> str:
        return (self.cleaned_data.get("default_topic") or "").strip()
