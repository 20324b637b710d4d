"""Background jobs of the inbound mail (django.tasks).

`poll_mailboxes` is meant to run every minute (comptoir/jobs/schedule.py). It is
idempotent: a message is taken from its mailbox only once ingested, and two polls of one
mailbox never run at once (see `imap.py`)."""

from __future__ import annotations

import logging
from typing import Any

from django.tasks import task

logger = logging.getLogger(__name__)


@task()
def poll_mailboxes() -> dict[str, Any]:
    """MAIL-4: take the new mail of every desk's IMAP mailbox; the summary of the poll.

    A mailbox that cannot be read is recorded on it (last_error) and the job still
    succeeds: retrying it would not help that mailbox and would delay the others."""
    from comptoir.mailin.imap import poll_all  # imap-tools is only loaded by this job

    summary = poll_all()
    if summary["errors"]:
        logger.warning("mail poll: %s mailbox(es) could not be read", summary["errors"])
    return summary
