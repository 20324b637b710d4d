"""The portal's forms. They parse and present input; the rules live in the actions, whose
refusals land on these fields through `web.forms.call_action` (same field names)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile as DjangoUpload
from django.utils.translation import gettext_lazy as _

from comptoir.accounts.models import User
from comptoir.catalog.models import Category, Priority
from comptoir.cmdb.models import ConfigurationItem
from comptoir.core.i18n import tr
from comptoir.portal import selectors
from comptoir.tickets.actions import UploadedFile
from comptoir.workflows.models import Requirement, Transition

# 003 §3.2: a personal reference between double hashes at the end of a subject.
REF_AT_END = re.compile(r"\s*##([^#]{1,100})##\s*$")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[DjangoUpload]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def to_uploads(files: list[DjangoUpload]) -> list[UploadedFile]:
    """Django uploads as the actions take them (the same type for API and mail parts)."""
    return [
        UploadedFile(name=f.name, content=f, size=f.size, content_type=f.content_type or "")
        for f in files
    ]


def clean_reference(value: str) -> str:
    """ "##PO1234##" (the e-mail habit) and "PO1234" are the same reference."""
    value = (value or "").strip()
    match = re.fullmatch(r"##(.*)##", value)
    return (match[1] if match else value).strip()


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.name


class PriorityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Priority) -> str:
        return obj.name


class NewTicketForm(forms.Form):
    """POR-1: title and description mandatory (checked by the action), template proposed,
    priority with its meaning, personal reference, attachments, a CI of my site. In
    external mode (TEN-4) the form has no requester, affected person or site at all."""

    category = CategoryChoiceField(
        queryset=Category.objects.none(),
        label=_("Category"),
        empty_label=_("— choose a category —"),
    )
    title = forms.CharField(
        label=_("Title"),
        required=False,
        help_text=_("A few key words, e.g. “Error message in the invoices screen”."),
        widget=forms.TextInput(attrs={"maxlength": 260}),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    priority = PriorityChoiceField(
        queryset=Priority.objects.none(),
        label=_("Priority"),
        required=False,
        widget=forms.RadioSelect,
    )
    personal_reference = forms.CharField(
        label=_("Personal reference"),
        required=False,
        max_length=120,
        help_text=_("Your own reference, e.g. a purchase order number."),
    )
    ci = forms.ModelChoiceField(
        queryset=ConfigurationItem.objects.none(),
        label=_("Equipment concerned"),
        required=False,
        empty_label=_("— none —"),
    )
    attachments = MultipleFileField(label=_("Attachments"))
    references = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, actor: User, desk_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["category"].queryset = selectors.category_choices(desk_id=desk_id)
        self.fields["priority"].queryset = selectors.priority_choices(desk_id=desk_id)
        self.fields["ci"].queryset = selectors.ci_choices(actor=actor)
        self.fields["ci"].error_messages["invalid_choice"] = selectors.ci_refusal()
        if not settings.COMPTOIR_EXTERNAL_SUPPORT_MODE:
            # An internal desk: a customer may file for a colleague of their site. In
            # external mode there is no such field, so a forged `affected` is never read.
            people = selectors.affected_choices(actor=actor)
            self.fields["affected"] = forms.ModelChoiceField(
                queryset=people,
                label=_("Person affected"),
                required=False,
                empty_label=_("Myself"),
                error_messages={"invalid_choice": AFFECTED_REFUSAL},
            )

    @property
    def external(self) -> bool:
        return bool(settings.COMPTOIR_EXTERNAL_SUPPORT_MODE)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if selectors.cannot_file(actor=self.actor):
            raise forms.ValidationError(NO_SITE_MESSAGE, code="no_site")
        title = data.get("title") or ""
        reference = clean_reference(data.get("personal_reference", ""))
        match = REF_AT_END.search(title)
        if match:  # "Nouvel utilisateur ##PO1234##", as in an e-mail subject (003 §3.2)
            title = title[: match.start()]
            reference = reference or match[1].strip()
        data["title"] = title.strip()
        data["personal_reference"] = reference
        return data

    def priority_options(self) -> list[tuple[Priority, bool]]:
        """Each priority with whether it is chosen, so the page shows its meaning (TIC-3)."""
        chosen = self["priority"].value()
        out = []
        for p in self.fields["priority"].queryset:
            selected = str(p.pk) == str(chosen) if chosen else p.is_default
            out.append((p, selected))
        return out


AFFECTED_REFUSAL = _("The affected person must belong to your site.")

NO_SITE_MESSAGE = _(
    "Your account is not attached to a site yet, so you cannot file a request here. "
    "Ask your contact at the service desk to attach it to your site (or register with "
    "your customer number)."
)


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Your comment"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    attachments = MultipleFileField(label=_("Attachments"))


class MuteForm(forms.Form):
    """NOT-5: "1" mutes the ticket for me, "0" unmutes it."""

    muted = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")


class ConfirmForm(forms.Form):
    """WF-5: confirm, or refute with a comment saying why."""

    accepted = forms.TypedChoiceField(
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.HiddenInput,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required if the solution does not answer your request."),
    )


SATISFACTION = [
    ("5", _("Very satisfied")),
    ("4", _("Satisfied")),
    ("3", _("Neutral")),
    ("2", _("Dissatisfied")),
    ("1", _("Very dissatisfied")),
]


class AssessForm(forms.Form):
    """POR-4: the range is the action's rule; the form passes the value on as given."""

    satisfaction = forms.CharField(
        label=_("Your satisfaction"), required=False, widget=forms.RadioSelect(choices=SATISFACTION)
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MoveForm(forms.Form):
    """One workflow move the customer may make now (reopen, accept a quote, approve…), with
    the data its transition requires (WF-2); an optional comment goes with any move."""

    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, transition: Transition, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"move-{transition.code}")
        super().__init__(*args, **kwargs)
        self.transition = transition
        required = set(transition.requires)
        for name in required - {Requirement.COMMENT}:
            self.fields[name] = forms.CharField(
                label=str(dict(Requirement.choices)[name]),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        if Requirement.COMMENT in required:
            self.fields["comment"].label = _("Comment (required)")
            self.fields["comment"].widget.attrs["required"] = True

    @property
    def needs_input(self) -> bool:
        return bool(self.transition.requires)

    @property
    def label(self) -> str:
        return tr(self.transition, "name")

    def data_for_action(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class LanguageForm(forms.Form):
    """X-1: the value goes to `user_set_language` as given; it says what is allowed."""

    language = forms.CharField(
        label=_("Language"),
        widget=forms.Select(choices=[("fr", "Français"), ("en", "English")]),
    )
