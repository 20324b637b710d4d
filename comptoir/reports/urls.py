"""Dashboards and reports under /console/ (namespace `reports`)."""

from django.urls import path  # noqa: F401

app_name = "reports"

urlpatterns: list = []
