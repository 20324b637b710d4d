"""Dashboards and reports under /console/reports/ (namespace `reports`)."""

from django.urls import path

from comptoir.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("me/", views.me, name="me"),
    path("export/tickets.csv", views.export_tickets, name="export_tickets"),
    path("export/<slug:name>.csv", views.export_table, name="export"),
]
