"""Console pages of billing: time."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
