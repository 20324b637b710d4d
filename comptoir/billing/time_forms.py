"""The console's time forms: log time, correct an entry, stop the timer.

They only parse what was typed (a duration as people write it, a date, a note); the
actions decide everything else and their refusals land on the field they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from comptoir.accounts.models import User
from comptoir.billing.durations import format_minutes, parse_duration
from comptoir.billing.models import TimeEntry
from comptoir.core.errors import InvalidInput

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DurationField(forms.CharField):
    """ "1h30", "1:30", "90"… into minutes, with the parser's own message on refusal."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("required", False)  # an empty one gets the parser's own message
        kwargs.setdefault("label", _("Duration"))
        kwargs.setdefault("help_text", _("For example 1h30, 1:30, 90 (minutes) or 1.5h."))
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("placeholder", "1h30")

    def clean(self, value: Any) -> int:  # type: ignore[override]
        try:
            return parse_duration(super().clean(value), field="minutes")
        except InvalidInput as error:
            raise ValidationError(str(error.message)) from None


class TimeLogForm(forms.Form):
    minutes = DurationField()
    worked_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    billable = forms.BooleanField(label=_("Billable"), required=False, initial=True)
    consultant = forms.TypedChoiceField(label=_("Consultant"), coerce=int, required=False)

    def __init__(self, *args: Any, consultants: list[User] | None = None, **kwargs: Any):
        """`consultants`: whom a manager may log for; None for an agent, who logs their own."""
        kwargs.setdefault("initial", {"worked_on": timezone.localdate(), "billable": True})
        super().__init__(*args, **kwargs)
        if consultants is None:
            del self.fields["consultant"]
        else:
            self.fields["consultant"].choices = [
                (u.pk, u.get_full_name() or u.username) for u in consultants
            ]

    def chosen_consultant(self, consultants: list[User] | None) -> User | None:
        pk = self.cleaned_data.get("consultant")
        return next((u for u in consultants or [] if u.pk == pk), None)


class TimeEditForm(forms.Form):
    """An entry's correction; an entry already billed offers its duration and a note only
    (the correction becomes an adjustment in the next open month)."""

    minutes = DurationField()
    worked_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    billable = forms.BooleanField(label=_("Billable"), required=False)

    def __init__(self, *args: Any, entry: TimeEntry, effective: int, **kwargs: Any):
        kwargs.setdefault(
            "initial",
            {
                "minutes": format_minutes(effective),
                "worked_on": entry.worked_on,
                "note": entry.note,
                "billable": entry.billable,
            },
        )
        kwargs.setdefault("prefix", f"entry-{entry.pk}")
        super().__init__(*args, **kwargs)
        self.frozen = entry.statement_id is not None
        if self.frozen:
            del self.fields["worked_on"]
            del self.fields["billable"]
            self.fields["note"].initial = ""
            self.initial["note"] = ""
            self.fields["note"].label = _("Why (note of the correction)")

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.frozen:
            data["note"] = data.get("note") or None
        return data


class TimerStopForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    billable = forms.BooleanField(label=_("Billable"), required=False, initial=True)
