"""Console pages of billing: statements and rates."""

from django.urls import path

from comptoir.billing.views import statement_rates, statements

urlpatterns = [
    path("statements/", statements.statement_list, name="statements"),
    path("statements/<int:org>/<str:month>/", statements.statement_page, name="statement"),
    path(
        "statements/<int:org>/<str:month>/issue/",
        statements.statement_issue,
        name="statement_issue",
    ),
    path(
        "statements/<int:org>/<str:month>/export.<slug:fmt>",
        statements.statement_export,
        name="statement_export",
    ),
    path("rates/", statement_rates.rate_index, name="rate_index"),
    path("rates/<int:org>/", statement_rates.rates, name="rates"),
    path("rates/<int:org>/<int:pk>/delete/", statement_rates.rate_delete, name="rate_delete"),
]
