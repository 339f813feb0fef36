from django.urls import path  # noqa: F401  (URL patterns are added as the capability lands)

app_name = "trials"

urlpatterns: list = []
