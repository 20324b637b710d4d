from django.urls import path

from comptoir.portal.views import create, lists, profile, ticket, ticket_actions

app_name = "portal"

urlpatterns = [
    path("", lists.tickets, name="tickets"),
    path("new/", create.choose, name="new"),
    path("new/<slug:desk>/<slug:type>/", create.new_ticket, name="new_ticket"),
    path("new/<slug:desk>/<slug:type>/template/", create.template, name="template"),
    path("tickets/<str:key>/", ticket.page, name="ticket"),
    path("tickets/<str:key>/comment/", ticket_actions.comment, name="comment"),
    path("tickets/<str:key>/mute/", ticket_actions.mute, name="mute"),
    path("tickets/<str:key>/confirm/", ticket_actions.confirm, name="confirm"),
    path("tickets/<str:key>/assess/", ticket_actions.assess, name="assess"),
    path("tickets/<str:key>/move/<slug:code>/", ticket_actions.move, name="move"),
    path("profile/", profile.profile, name="profile"),
    path("profile/language/", profile.language, name="language"),
]
