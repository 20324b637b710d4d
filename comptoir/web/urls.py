from django.urls import path

from comptoir.accounts.registration import register
from comptoir.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("language/", views.language, name="language"),
    path("register/", register, name="register"),
    path("attachments/<str:token>/", views.attachment, name="attachment"),
]
