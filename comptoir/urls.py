from django.contrib import admin
from django.urls import include, path

from comptoir.api.main import urls as api_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api_urls()),
    path("api-tokens/", include("comptoir.api.urls")),
    path("console/", include("comptoir.console.urls")),
    path("portal/", include("comptoir.portal.urls")),
    path("", include("comptoir.accounts.urls")),
    path("", include("comptoir.web.urls")),
]
