from django.urls import path

from seedbed.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("audit/", views.audit, name="audit"),
    path("audit/checkpoints.json", views.audit_checkpoints, name="audit_checkpoints"),
    path(".well-known/security.txt", views.security_txt, name="security_txt"),
]
