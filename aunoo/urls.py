"""Top-level URL configuration."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.forms import AdminSignInForm, PasswordChangeForm, SignInForm
from aunoo import views

# Both sign-in pages count failed attempts and lock an account for a while.
admin.site.login_form = AdminSignInForm

# Django's own names (login, logout, password_change...), unnamespaced: settings
# and accounts.middleware refer to them. No password reset: no mail is sent.
auth_urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(form_class=PasswordChangeForm),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("metrics", views.metrics, name="metrics"),
    path("system/", views.system_page, name="system"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    *auth_urlpatterns,
    path("account/", include("accounts.urls")),
    path("keywords/", include("config_app.urls")),
    path("", include("articles.urls")),
]

if settings.DEBUG:
    from debug_toolbar.toolbar import debug_toolbar_urls

    urlpatterns += debug_toolbar_urls()
