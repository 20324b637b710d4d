from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from comptoir.api.main import urls as api_urls

# The admin's own login form would skip the second factor and the rate limits: it sends
# people to /login/ instead (docs/decisions/0010-identity.md).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api_urls()),
    path("api-tokens/", include("comptoir.api.urls")),
    path("console/billing/", include("comptoir.billing.urls")),
    path("console/reports/", include("comptoir.reports.urls")),
    path("console/", include("comptoir.console.urls")),
    path("portal/billing/", include("comptoir.billing.portal_urls")),
    path("portal/", include("comptoir.portal.urls")),
    path("", include("comptoir.accounts.urls")),
    path("", include("comptoir.web.urls")),
]

# A failure on our side: 503 with Retry-After while the database is out of reach, problem
# details under /api/ (comptoir/web/errors.py).
handler500 = "comptoir.web.errors.server_error"
