from django.urls import path

from comptoir.api import views

app_name = "api_tokens"

urlpatterns = [
    path("", views.token_page, name="list"),
    path("<int:token_id>/revoke/", views.token_revoke_view, name="revoke"),
]
