"""Console pages of billing: time (the ticket page's time panel posts here)."""

from django.urls import path

from comptoir.billing.views import time

urlpatterns: list = [
    path("t/<str:key>/time/", time.log, name="time_log"),
    path("t/<str:key>/timer/start/", time.timer_start, name="timer_start"),
    path("time/<int:pk>/", time.correct, name="time_correct"),
    path("time/<int:pk>/delete/", time.delete, name="time_delete"),
    path("timer/stop/", time.timer_stop, name="timer_stop"),
    path("timer/cancel/", time.timer_cancel, name="timer_cancel"),
]
