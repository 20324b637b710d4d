"""A deployment check (`comptoir check --deploy`): production must not write its mail to
files. Without COMPTOIR_SMTP_HOST the embedded default keeps each message as an .eml file
and counts it as sent, right for `make run`, silent loss of every notification in
production; Django's own mail check does not know our backend."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

FILE_BACKENDS = {
    "comptoir.notifications.backends.EmlFileBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


@register(Tags.mail, deploy=True)
def mail_leaves_the_machine(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    backend = (getattr(settings, "MAILERS", {}).get("default") or {}).get("BACKEND", "")
    if backend not in FILE_BACKENDS:
        return []
    return [
        Warning(
            f"Outgoing mail is not sent: the mail backend is {backend}.",
            hint="Set COMPTOIR_SMTP_HOST (and COMPTOIR_SMTP_PORT, _USER, _PASSWORD, "
            "_SECURITY) so notifications leave the machine; see docs/deploy.md.",
            id="comptoir.W001",
        )
    ]
