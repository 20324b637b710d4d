"""Billing pages of the customers' portal under /portal/billing/ (namespace `portal_billing`)."""

from django.urls import path

from comptoir.billing.views import statements_portal

app_name = "portal_billing"

urlpatterns = [
    path("statements/", statements_portal.statement_list, name="statements"),
    path("statements/<int:pk>/", statements_portal.statement_page, name="statement"),
    path(
        "statements/<int:pk>/export.<slug:fmt>",
        statements_portal.statement_export,
        name="statement_export",
    ),
]
