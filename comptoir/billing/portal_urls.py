"""Billing pages of the customers' portal under /portal/billing/ (namespace `portal_billing`)."""

from django.urls import path  # noqa: F401

app_name = "portal_billing"

urlpatterns: list = []
