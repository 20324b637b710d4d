"""Statuses and transitions as data (WF-1, WF-2, WF-4, WF-5).

A Workflow belongs to a desk and serves one or more ticket types. Its statuses carry the
meaning shown to customers, who is expected to act, the SLA clock effect and the state
(open / resolved / closed). Transitions say who may move a ticket and what data the move
requires; the engine in `engine.py` reads them, nothing is hard-coded per preset.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.core.i18n import BilingualName, tr


class Workflow(BilingualName):
    desk = models.ForeignKey("catalog.Desk", on_delete=models.CASCADE, related_name="workflows")
    code = models.SlugField(max_length=50)
    taken_status = models.ForeignKey(
        "Status",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Where a take moves a ticket that is still in its initial status."),
    )
    taken_means_held = models.BooleanField(
        default=False,
        help_text=_(
            "The taken status means 'an agent holds it' (ENT En cours, N123 Pris en charge): "
            "only take, assign, release and transfer enter or leave it."
        ),
    )
    confirm_transition = models.CharField(
        max_length=50,
        blank=True,
        help_text=_("Transition applied when the requester confirms the resolution (WF-5)."),
    )
    refute_transition = models.CharField(
        max_length=50,
        blank=True,
        help_text=_("Transition applied when the requester refutes the resolution (WF-5)."),
    )

    class Meta:
        verbose_name = _("workflow")
        verbose_name_plural = _("workflows")
        constraints = [models.UniqueConstraint(fields=["desk", "code"], name="workflow_unique")]


class SlaEffect(models.TextChoices):
    RUN = "run", _("Clock runs")
    PAUSE = "pause", _("Clock paused")
    STOP = "stop", _("Clock stopped")


class State(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class Party(models.TextChoices):
    """Who is expected to act; the label shown is the status's own `awaiting_*` text."""

    DESK = "desk", _("Service desk")
    AGENT = "agent", _("The agent in charge")
    EXPERT = "expert", _("Expert")
    RND = "rnd", _("R&D")
    REQUESTER = "requester", _("The customer")
    THIRD_PARTY = "third_party", _("Third party")
    NOBODY = "nobody", _("Nobody")


class Status(BilingualName):
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="statuses")
    code = models.SlugField(max_length=50)
    meaning_fr = models.TextField(blank=True)
    meaning_en = models.TextField(blank=True)
    awaiting_party = models.CharField(max_length=20, choices=Party.choices, default=Party.DESK)
    awaiting_fr = models.CharField(max_length=200, blank=True)
    awaiting_en = models.CharField(max_length=200, blank=True)
    sla_effect = models.CharField(max_length=10, choices=SlaEffect.choices, default=SlaEffect.RUN)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    is_initial = models.BooleanField(default=False)
    is_final = models.BooleanField(
        default=False, help_text=_("No transition ever leaves it (e.g. Closed, 003).")
    )
    notify_requester = models.BooleanField(
        default=False, help_text=_("Mail the reporting and affected persons on entry (NOT-4).")
    )
    auto_after_days = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("WF-4: days after which the auto transition applies.")
    )
    auto_transition = models.CharField(
        max_length=50, blank=True, help_text=_("WF-4: the transition applied after the delay.")
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("status")
        verbose_name_plural = _("statuses")
        ordering = ["workflow", "order"]
        constraints = [models.UniqueConstraint(fields=["workflow", "code"], name="status_unique")]

    @property
    def meaning(self) -> str:
        return tr(self, "meaning")

    @property
    def awaiting(self) -> str:
        return tr(self, "awaiting") or str(self.get_awaiting_party_display())


class Actor(models.TextChoices):
    """Who may fire a transition, relative to the ticket."""

    REQUESTER = "requester", _("Reporting or affected person")
    OWNER = "owner", _("Owner (creator)")
    AGENT = "agent", _("Agent of the ticket's service")
    ASSIGNEE = "assignee", _("Agent in charge")
    MANAGER = "manager", _("Service manager")
    ADMIN = "admin", _("Administrator")
    SYSTEM = "system", _("Scheduler")


class QuoteEffect(models.TextChoices):
    """What a transition does to the ticket's quotes (WF-6)."""

    NONE = "", _("None")
    SUBMIT = "submit", _("Submits a quote to the customer")
    ACCEPT = "accept", _("Accepts the quote awaiting the customer")
    REFUSE = "refuse", _("Refuses the quote awaiting the customer")


class Requirement(models.TextChoices):
    REASON = "reason", _("Reason")
    WAITING_REASON = "waiting_reason", _("Waiting reason")
    APPOINTMENT = "appointment", _("Appointment")
    SOLUTION = "solution", _("Solution")
    COMMENT = "comment", _("Comment")
    QUOTE_AMOUNT = "quote_amount", _("Quote amount")
    # Optional details of a submitted quote (WF-6): read only by a move that submits one.
    QUOTE_EFFORT_HOURS = "quote_effort_hours", _("Estimated effort (hours)")
    QUOTE_VALID_UNTIL = "quote_valid_until", _("Quote valid until")
    QUOTE_DESCRIPTION = "quote_description", _("Quote description")


class Transition(BilingualName):
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="transitions")
    code = models.SlugField(max_length=50)
    from_status = models.ForeignKey(
        Status,
        on_delete=models.CASCADE,
        related_name="outgoing",
        null=True,
        blank=True,
        help_text=_("Empty: from any status that is not final."),
    )
    to_status = models.ForeignKey(Status, on_delete=models.CASCADE, related_name="incoming")
    actors = models.JSONField(default=list, help_text=_("Who may fire it (see Actor)."))
    requires = models.JSONField(default=list, help_text=_("Data the move needs (see Requirement)."))
    asks_confirmation = models.BooleanField(
        default=False, help_text=_("WF-5: the requester is asked to confirm the resolution.")
    )
    needs_confirmation = models.BooleanField(
        default=False,
        help_text=_("WF-5: allowed only after the requester confirmed (or by the scheduler)."),
    )
    is_reopening = models.BooleanField(
        default=False, help_text=_("Subject to the desk's reopening policy (WF-3).")
    )
    quote_effect = models.CharField(
        _("effect on quotes"),
        max_length=10,
        choices=QuoteEffect.choices,
        default=QuoteEffect.NONE,
        blank=True,
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        ordering = ["workflow", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "code", "from_status"], name="transition_unique"
            )
        ]


class WaitingReason(BilingualName):
    """WF-2: the list a waiting status picks its reason from (003 §1.5)."""

    desk = models.ForeignKey(
        "catalog.Desk", on_delete=models.CASCADE, related_name="waiting_reasons"
    )
    code = models.SlugField(max_length=50)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("waiting reason")
        verbose_name_plural = _("waiting reasons")
        ordering = ["desk", "order"]
        constraints = [
            models.UniqueConstraint(fields=["desk", "code"], name="waiting_reason_unique")
        ]
