"""Import and export of CIs and people (CSV or XLSX) for service managers and administrators.

Upload a file; its check runs in the background (`cmdb.imports`) and this page shows its
progress, polled by htmx every second, from the count of rows the job has committed; then
the rows to import, or every refused row with its line and column; the importer confirms,
and the whole file is written in one transaction. Export gives the same columns, so an
exported file imports back.
"""

from __future__ import annotations

import contextlib

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from comptoir.cmdb import imports
from comptoir.cmdb.models import ImportJob, ImportState
from comptoir.core.errors import DomainError
from comptoir.web.access import staff_required

RUNNING = {ImportState.QUEUED, ImportState.CHECKING, ImportState.WRITING}
KINDS = [("cis", gettext_lazy("Configuration items")), ("people", gettext_lazy("People"))]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("The file holds"), choices=KINDS)
    file = forms.FileField(
        label=gettext_lazy("File (CSV in UTF-8, or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


def _allowed(request: HttpRequest) -> list[tuple[str, str]]:
    kinds = [(k, label) for k, label in KINDS if imports.may_import(request.user, k)]
    if not kinds:
        raise Http404()
    return kinds


@staff_required
def cmdb_import(request: HttpRequest) -> HttpResponse:
    kinds = _allowed(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    form.fields["kind"].choices = kinds
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                imports.check_size(filename=upload.name, size=upload.size)
                job = imports.import_start(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    filename=upload.name,
                    data=upload.read(),
                )
            except DomainError as err:
                form.add_error(err.field if err.field in form.fields else None, str(err))
            else:
                return redirect("console:cmdb_import_job", pk=job.pk)
        status = 400
    ctx = {
        "form": form,
        "jobs": ImportJob.objects.filter(actor=request.user).defer("data")[:10],
        "kinds": kinds,
        "formats": list(imports.FORMATS),
    }
    return render(request, "console/cmdb/import.html", ctx, status=status)


def _job_or_404(request: HttpRequest, pk: int) -> ImportJob:
    try:
        return imports.import_get(actor=request.user, pk=pk)
    except DomainError:
        raise Http404() from None


def _job_context(job: ImportJob) -> dict:
    return {
        "job": job,
        "running": job.state in RUNNING,
        "progress_url": reverse("console:cmdb_import_progress", args=[job.pk]),
    }


@staff_required
@require_GET
def cmdb_import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    return render(request, "console/cmdb/import_job.html", _job_context(job))


@staff_required
@require_GET
def cmdb_import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar alone, for htmx; once the job stops running, the whole page."""
    job = _job_or_404(request, pk)
    if job.state not in RUNNING and request.htmx:
        return HttpResponseClientRefresh()
    return render(request, "console/cmdb/partials/import_progress.html", _job_context(job))


@staff_required
@require_POST
def cmdb_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    # already confirmed or refused: the page then says where the import stands
    with contextlib.suppress(DomainError):
        imports.import_confirm(actor=request.user, job=job)
    return redirect("console:cmdb_import_job", pk=job.pk)


@staff_required
@require_GET
def cmdb_export(request: HttpRequest) -> HttpResponse:
    kinds = dict(_allowed(request))
    kind = request.GET.get("kind", "")
    file_format = request.GET.get("format", "csv")
    if kind not in kinds or file_format not in imports.FORMATS:
        raise Http404()
    dataset = imports.resource_for(kind, request.user).export()
    content = dataset.export(file_format)
    if file_format == "csv":
        content = "\ufeff" + content
    response = HttpResponse(content, content_type=imports.FORMATS[file_format])
    name = f"{kind}-{timezone.localdate().isoformat()}.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
