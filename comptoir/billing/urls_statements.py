"""Console pages of billing: statements."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
