"""Top-level URLs. Each domain app owns its own ``urls.py``, mounted here."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from seedbed.api.api import api
from seedbed.core import views as core_views

admin.site.site_header = "Seedbed administration"
admin.site.site_title = "Seedbed administration"

urlpatterns = [
    path("", include("seedbed.core.urls")),
    path("", include("seedbed.accounts.urls")),
    path("voices/", include("seedbed.participation.urls")),
    path("funding/", include("seedbed.funding.urls")),
    path("trials/", include("seedbed.trials.urls")),
    path("portfolio/", include("seedbed.portfolio.urls")),
    path("library/", include("seedbed.library.urls")),
    path("evaluations/", include("seedbed.evaluations.urls")),
    path("api/", RedirectView.as_view(pattern_name="api:openapi-view", permanent=False), name="api-home"),
    path("api/", api.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
