from django.urls import path

from comptoir.console.views import (
    cmdb,
    cmdb_docs,
    cmdb_import,
    contracts,
    create,
    manage,
    people,
    preferences,
    queue,
    ticket,
)
from comptoir.console.views import ticket_actions as act

app_name = "console"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("views/save/", queue.queue_save, name="queue_save"),
    path("views/<int:pk>/delete/", queue.queue_delete, name="queue_delete"),
    path("people/", people.people_lookup, name="people"),
    path("new/", create.new_ticket, name="new"),
    path("new/<slug:desk>/", create.new_ticket_desk, name="new_desk"),
    path("new/<slug:desk>/template/", create.new_ticket_template, name="new_template"),
    path("t/<str:key>/", ticket.ticket_page, name="ticket"),
    path("t/<str:key>/take/<slug:code>/", act.ticket_take_then, name="take_then"),
    path("t/<str:key>/move/<slug:code>/", act.ticket_move, name="move"),
    path("t/<str:key>/<slug:action>/", act.ticket_action, name="action"),
    path("services/", manage.services, name="services"),
    path("services/<int:pk>/", manage.service_page, name="service"),
    path("services/<int:pk>/categories/<int:category>/", manage.category_page, name="category"),
    path(
        "services/<int:pk>/members/<int:user_id>/preferences/",
        preferences.member_preferences,
        name="member_preferences",
    ),
    path("services/<int:pk>/<slug:action>/", manage.service_action, name="service_action"),
    path("cmdb/", cmdb.ci_list, name="cis"),
    path("cmdb/new/", cmdb.ci_edit, name="ci_new"),
    path("cmdb/<int:pk>/", cmdb.ci_page, name="ci"),
    path("cmdb/<int:pk>/edit/", cmdb.ci_edit, name="ci_edit"),
    path("cmdb/<int:pk>/<slug:action>/", cmdb.ci_action, name="ci_action"),
    path("contracts/", contracts.contract_list, name="contracts"),
    path("contracts/new/", contracts.contract_edit, name="contract_new"),
    path("contracts/suppliers/new/", contracts.supplier_new, name="supplier_new"),
    path("contracts/<int:pk>/", contracts.contract_page, name="contract"),
    path("contracts/<int:pk>/edit/", contracts.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/<slug:action>/", contracts.contract_action, name="contract_action"),
    path("cmdb/cis/<int:pk>/sheet.pdf", cmdb_docs.ci_sheet, name="ci_sheet"),
    path("cmdb/reports/contracts/", cmdb_docs.contracts_report, name="contracts_report"),
    path("cmdb/reports/contracts.csv", cmdb_docs.contracts_report_csv, name="contracts_report_csv"),
    path("cmdb/import/", cmdb_import.cmdb_import, name="cmdb_import"),
    path("cmdb/import/<int:pk>/", cmdb_import.cmdb_import_job, name="cmdb_import_job"),
    path(
        "cmdb/import/<int:pk>/progress/",
        cmdb_import.cmdb_import_progress,
        name="cmdb_import_progress",
    ),
    path(
        "cmdb/import/<int:pk>/confirm/", cmdb_import.cmdb_import_confirm, name="cmdb_import_confirm"
    ),
    path("cmdb/export/", cmdb_import.cmdb_export, name="cmdb_export"),
    path("preferences/", preferences.preferences, name="preferences"),
    path(
        "preferences/<int:pk>/<slug:kind>/", preferences.preferences_save, name="preferences_save"
    ),
]
