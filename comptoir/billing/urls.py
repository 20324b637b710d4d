"""Billing pages under /console/billing/ (namespace `billing`): time, quotes, statements."""

from django.urls import include, path

app_name = "billing"

urlpatterns = [
    path("", include("comptoir.billing.urls_time")),
    path("", include("comptoir.billing.urls_quotes")),
    path("", include("comptoir.billing.urls_statements")),
]
