from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("console/", include("comptoir.console.urls")),
    path("portal/", include("comptoir.portal.urls")),
    path("", include("comptoir.web.urls")),
]
