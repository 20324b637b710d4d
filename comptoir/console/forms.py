"""The console's forms. They parse input only: whether a value is allowed is the actions'
call, and their refusal lands on the field of the same name (`web.forms.attach_error`), so
fields are named after what the actions report (`comment`, `reason`, `user`, `category`…)
and the ones the actions check are not `required` here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from comptoir.catalog.models import Category, Priority, SupportLevel
from comptoir.notifications.models import ReportScope, Watch, WatchLevel
from comptoir.tickets import actions
from comptoir.tickets.models import LinkKind
from comptoir.workflows.engine import QUOTE_DETAILS
from comptoir.workflows.models import QuoteEffect, Requirement, Transition, WaitingReason

TEXTAREA = {"rows": 3}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(d, initial) for d in items]


def uploads(files: Iterable[Any]) -> list[actions.UploadedFile]:
    """Django's uploaded files as the actions take them."""
    return [
        actions.UploadedFile(name=f.name, content=f, size=f.size, content_type=f.content_type or "")
        for f in files
    ]


def grouped_categories(categories: Sequence[Category]) -> list:
    """Choices as the service/category tree: one optgroup per service (TIC-4, AG-4)."""
    groups: dict[str, list] = {}
    for c in categories:
        groups.setdefault(c.service.name, []).append((str(c.pk), c.name))
    return [("", "—"), *groups.items()]


# --- Ticket page --------------------------------------------------------------------------


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    internal = forms.BooleanField(
        label=_("Internal note: never shown to the customer"), required=False
    )
    attachments = MultipleFileField(label=_("Attachments"))


class AttachForm(forms.Form):
    attachments = MultipleFileField(label=_("Files"))
    internal = forms.BooleanField(label=_("Internal: staff only"), required=False)


OPTIONAL_LABELS = {
    Requirement.COMMENT: _("Comment (optional, public)"),
    Requirement.QUOTE_EFFORT_HOURS: _("Estimated effort in hours (optional)"),
    Requirement.QUOTE_VALID_UNTIL: _("Quote valid until (optional; 30 days by default)"),
    Requirement.QUOTE_DESCRIPTION: _("What the quote covers (optional, shown to the customer)"),
}


def add_requirement_fields(
    form: forms.Form, transition: Transition, reasons: Sequence[WaitingReason]
) -> None:
    """The inputs a move needs (WF-2), plus an optional public comment, and a quote's
    optional details on a move that submits one (WF-6)."""
    requires = set(transition.requires)
    optional = {Requirement.COMMENT}
    if transition.quote_effect == QuoteEffect.SUBMIT:
        optional |= set(QUOTE_DETAILS)
    # The comment last: after the quote's amount and details on a submission.
    names = [n for n in Requirement.values if n != Requirement.COMMENT] + [Requirement.COMMENT]
    for name in names:
        needed = name in requires
        if not needed and name not in optional:
            continue
        label = Requirement(name).label
        if name == Requirement.WAITING_REASON:
            field: forms.Field = forms.ChoiceField(
                choices=[("", "—"), *((r.code, r.name) for r in reasons)], required=False
            )
        elif name == Requirement.APPOINTMENT:
            field = forms.CharField(
                required=False,
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
            )
        elif name in (Requirement.QUOTE_AMOUNT, Requirement.QUOTE_EFFORT_HOURS):
            field = forms.CharField(
                required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
            )
        elif name == Requirement.QUOTE_VALID_UNTIL:
            field = forms.CharField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
        else:
            field = forms.CharField(required=False, widget=forms.Textarea(attrs=TEXTAREA))
        field.label = label if needed else OPTIONAL_LABELS[name]
        field.needed = needed  # type: ignore[attr-defined]
        form.fields[name] = field


class MoveForm(forms.Form):
    """A workflow move with the data it requires (WF-2)."""

    def __init__(
        self, *args: Any, transition: Transition, reasons: Sequence[WaitingReason], **kw: Any
    ):
        super().__init__(*args, **kw)
        self.transition = transition
        add_requirement_fields(self, transition, reasons)

    def data_for_action(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class TakeForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment (optional, public)"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Agent of the service"))

    def __init__(self, *args: Any, members: Sequence[Any], **kw: Any):
        super().__init__(*args, **kw)
        self.fields["assignee"].choices = [("", "—")] + [
            (str(m.user_id), str(m.user)) for m in members
        ]


class TransferForm(forms.Form):
    category = forms.ChoiceField(label=_("Service and category"))
    reason = forms.CharField(
        label=_("Reason for the transfer"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    stay_as_guest = forms.BooleanField(
        label=_("Become a guest of the ticket (otherwise you lose sight of it)"), required=False
    )

    def __init__(self, *args: Any, categories: Sequence[Category], **kw: Any):
        super().__init__(*args, **kw)
        self.fields["category"].choices = grouped_categories(categories)


class EscalateForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), required=False)
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )

    def __init__(self, *args: Any, levels: Sequence[SupportLevel], **kw: Any):
        super().__init__(*args, **kw)
        self.fields["level"].choices = [("", _("Next level up"))] + [
            (str(lv.pk), lv.name) for lv in levels
        ]


class SearchInput(forms.TextInput):
    input_type = "search"


class PersonField(forms.CharField):
    """A login or e-mail, typed or picked from the directory lookup's answers (the radio
    buttons `<prefix>-pick` the lookup fragment adds; not rendered by the form itself)."""

    def __init__(self, **kw: Any):
        kw.setdefault("required", False)
        kw.setdefault("label", _("Login or e-mail"))
        kw.setdefault("widget", SearchInput(attrs={"autocomplete": "off"}))
        super().__init__(**kw)


class InviteForm(forms.Form):
    user = PersonField()
    pick = forms.IntegerField(required=False, widget=forms.HiddenInput)
    message = forms.CharField(
        label=_("Message to the guest (sent by e-mail)"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )


class RemoveGuestForm(forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput)


class LinkForm(forms.Form):
    target = forms.CharField(label=_("Ticket key"), max_length=30, required=False)
    kind = forms.ChoiceField(label=_("Link"), choices=LinkKind.choices, initial=LinkKind.RELATES)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )


class EditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=250, required=False)
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    personal_reference = forms.CharField(
        label=_("Personal reference"), max_length=100, required=False
    )
    qualification = forms.CharField(
        label=_("Qualification details"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    ci = forms.ChoiceField(label=_("Configuration item"), required=False)

    def __init__(self, *args: Any, priorities: Sequence[Priority], cis: Sequence[Any], **kw: Any):
        super().__init__(*args, **kw)
        self.fields["priority"].choices = [("", "—")] + [(str(p.pk), p.name) for p in priorities]
        self.fields["ci"].choices = [("", "—")] + [(str(c.pk), str(c)) for c in cis]


# --- Create on behalf (AG-7) -----------------------------------------------------------------


class CreateForm(forms.Form):
    customer = PersonField(label=_("Customer (login or e-mail)"))
    customer_pick = forms.IntegerField(required=False, widget=forms.HiddenInput)
    affected = PersonField(label=_("Affected person, if someone else"))
    affected_pick = forms.IntegerField(required=False, widget=forms.HiddenInput)
    type = forms.ChoiceField(label=_("Type"))
    category = forms.ChoiceField(label=_("Service and category"))
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    title = forms.CharField(label=_("Title"), required=False, max_length=250)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    personal_reference = forms.CharField(
        label=_("Personal reference (e.g. a purchase order)"), required=False, max_length=100
    )
    attachments = MultipleFileField(label=_("Attachments"))
    references = forms.CharField(required=False, max_length=30, widget=forms.HiddenInput)

    def __init__(self, *args: Any, types, categories, priorities, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["type"].choices = [(str(t.pk), t.name) for t in types]
        self.fields["category"].choices = grouped_categories(categories)
        self.fields["priority"].choices = [("", _("Default"))] + [
            (str(p.pk), p.name) for p in priorities
        ]


# --- Service management (002 §III) and preferences (NOT-2, NOT-3) ------------------------


class AddPersonForm(forms.Form):
    user = PersonField()
    pick = forms.IntegerField(required=False, widget=forms.HiddenInput)
    can_manage = forms.BooleanField(label=_("May manage the service"), required=False)


class PrivilegesForm(forms.Form):
    can_manage = forms.BooleanField(label=_("May manage the service"), required=False)
    categories = forms.MultipleChoiceField(
        label=_("Categories managed"), required=False, widget=forms.CheckboxSelectMultiple
    )
    level = forms.ChoiceField(label=_("Support level"), required=False)

    def __init__(self, *args: Any, categories, levels, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["categories"].choices = [(str(c.pk), c.name) for c in categories]
        self.fields["level"].choices = [("", "—")] + [(str(lv.pk), lv.name) for lv in levels]
        if not levels:
            del self.fields["level"]


class TemplateForm(forms.Form):
    subject_fr = forms.CharField(label=_("Default subject (French)"), required=False)
    subject_en = forms.CharField(label=_("Default subject (English)"), required=False)
    body_fr = forms.CharField(
        label=_("Default message (French)"), required=False, widget=forms.Textarea
    )
    body_en = forms.CharField(
        label=_("Default message (English)"), required=False, widget=forms.Textarea
    )


class WatchForm(forms.Form):
    level = forms.ChoiceField(
        label=_("Watch level"), choices=WatchLevel.choices, widget=forms.RadioSelect
    )
    any_ticket = forms.ChoiceField(
        label=_("Any ticket"), choices=Watch.choices, widget=forms.RadioSelect, required=False
    )
    category_ticket = forms.ChoiceField(
        label=_("Ticket of a category I manage"),
        choices=Watch.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    held_ticket = forms.ChoiceField(
        label=_("Ticket I hold"), choices=Watch.choices, widget=forms.RadioSelect, required=False
    )


HOURS = [("", "—")] + [(str(h), f"{h:02d}:00") for h in range(24)]


class ReportForm(forms.Form):
    scope = forms.ChoiceField(label=_("Tickets listed"), choices=ReportScope.choices)
    hour1 = forms.ChoiceField(label=_("Hour"), choices=HOURS, required=False)
    hour2 = forms.ChoiceField(label=_("Second hour"), choices=HOURS, required=False)
    weekend = forms.BooleanField(label=_("Send on weekends too"), required=False)
    suspended = forms.BooleanField(label=_("Suspend the daily reports"), required=False)
    group_all = forms.BooleanField(
        label=_("Group the reports in one mail when possible"), required=False
    )
    include_closed = forms.BooleanField(
        label=_("Show tickets after closing, refusal, postponement…"), required=False
    )


class SaveQueueForm(forms.Form):
    name = forms.CharField(label=_("Name of this view"), max_length=80)
    query = forms.CharField(required=False, widget=forms.HiddenInput)
