# covers: NOT-7
"""`comptoir check --deploy` warns when outgoing mail would only be written to files."""

from __future__ import annotations

from comptoir.notifications.checks import mail_leaves_the_machine


def test_files_instead_of_smtp_is_flagged(settings, tmp_path):
    settings.MAILERS = {
        "default": {
            "BACKEND": "comptoir.notifications.backends.EmlFileBackend",
            "OPTIONS": {"directory": str(tmp_path)},
        }
    }
    (warning,) = mail_leaves_the_machine()
    assert warning.id == "comptoir.W001" and "COMPTOIR_SMTP_HOST" in warning.hint


def test_smtp_passes(settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "smtp.example.test"},
        }
    }
    assert mail_leaves_the_machine() == []
