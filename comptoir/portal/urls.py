from django.urls import path

from comptoir.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.tickets, name="tickets"),
]
