"""The reader's own preferences: nobody can read or change another user's."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.forms import PreferencesForm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import UserPreferences
from articles import facets


@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Always the signed-in user's row: the URL carries no user id to tamper with.
    # Reading never writes a row; saving the form creates it the first time.
    instance = UserPreferences.objects.filter(user_id=request.user.pk).first()
    instance = instance or UserPreferences(user_id=request.user.pk)
    form = PreferencesForm(request.POST or None, instance=instance)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Preferences saved.")
            return redirect("accounts:preferences")
        messages.error(request, "Your preferences were not saved: see below.")
    context = {"form": form, "topics": facets.distinct_values("topic")}
    status = 400 if form.errors else 200
    return render(request, "accounts/preferences.html", context, status=status)
