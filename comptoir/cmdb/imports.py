"""Importing CIs and people from CSV or XLSX: upload, check, confirm, write (all or nothing).

`import_start` keeps the file in an `ImportJob` and enqueues `check_import`; the check runs
every row through the real actions in batches of `BATCH` rows, each batch in a transaction
that is rolled back, and commits the count of rows checked between batches: that count is
the progress bar's value, true on SQLite as on PostgreSQL. Rows refused are kept with their
line in the file (the header is line 1) and the column at fault. A file without errors
waits for the importer's confirmation (`import_confirm`); `write_import` then imports the
whole file in one transaction, which any refused row rolls back entirely (a change made
meanwhile can still refuse a row the check accepted). During that transaction the rows
written are counted from a second connection on PostgreSQL; SQLite has one writer at a
time, so there the page says the rows are being written without a count.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Iterable

import tablib
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from comptoir.accounts.models import User
from comptoir.accounts.people_actions import may_import_people
from comptoir.cmdb.actions import may_manage_cmdb
from comptoir.cmdb.models import ImportJob, ImportState
from comptoir.cmdb.resources import CI_COLUMNS, PEOPLE_COLUMNS, CiResource, PersonResource
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied, TooLarge
from comptoir.tickets.actions.uploads import clean_filename

logger = logging.getLogger(__name__)

BATCH = 100
PREVIEW_ROWS = 20
MAX_ERRORS = 200
FORMATS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
KEYS = {"cis": "id", "people": "username"}
COLUMNS = {"cis": CI_COLUMNS, "people": PEOPLE_COLUMNS}


def max_bytes() -> int:
    return getattr(settings, "COMPTOIR_IMPORT_MAX_BYTES", 5 * 1024 * 1024)


def check_size(*, filename: str, size: int) -> None:
    """Before the file is read into memory: too large, refused with its name and the limit."""
    if size > max_bytes():
        raise TooLarge(
            _("“%(name)s” is too large: %(limit)s at most for an import.")
            % {"name": clean_filename(filename), "limit": filesizeformat(max_bytes())},
            field="file",
        )


def may_import(actor: User, kind: str) -> bool:
    """CIs: the CMDB's managers. People: administrators and service managers here (the
    action also lets a customer manager bring in their own site's customers)."""
    if kind == "cis":
        return may_manage_cmdb(actor)
    return may_import_people(actor) and actor.is_staff_member


def resource_for(kind: str, actor: User, on_row=None) -> CiResource | PersonResource:
    cls = CiResource if kind == "cis" else PersonResource
    return cls(actor=actor, on_row=on_row)


# --- Reading the file ------------------------------------------------------------------


def load_dataset(data: bytes, file_format: str) -> tablib.Dataset:
    """The rows under lower-cased headers; a CI file may leave the `id` column out."""
    try:
        if file_format == "xlsx":
            dataset = tablib.Dataset().load(io.BytesIO(data), format="xlsx")
        else:
            text = data.decode("utf-8-sig")
            dataset = tablib.Dataset().load(text, format="csv")
    except UnicodeDecodeError as exc:
        raise InvalidInput(_("Save the CSV file as UTF-8."), field="file") from exc
    except Exception as exc:
        raise InvalidInput(
            _("This file cannot be read as %(format)s.") % {"format": file_format.upper()},
            field="file",
        ) from exc
    dataset.headers = [str(h or "").strip().lower() for h in (dataset.headers or [])]
    return dataset


def _check_columns(dataset: tablib.Dataset, kind: str) -> None:
    headers = dataset.headers or []
    required = "name" if kind == "cis" else "username"
    if required not in headers:
        raise InvalidInput(
            _("The first line must name the columns, among them “%(column)s”.")
            % {"column": required},
            field="file",
        )
    unknown = [h for h in headers if h not in COLUMNS[kind]]
    if unknown:
        raise InvalidInput(
            _("Unknown columns: %(columns)s. Known: %(known)s.")
            % {"columns": ", ".join(unknown), "known": ", ".join(COLUMNS[kind])},
            field="file",
        )
    if kind == "cis" and "id" not in headers:
        dataset.append_col([""] * len(dataset), header="id")


def _duplicates(dataset: tablib.Dataset, kind: str) -> list[dict]:
    """A key twice in one file: the second line would silently undo the first."""
    key, seen, errors = KEYS[kind], {}, []
    for number, value in enumerate(dataset[key], 1):
        value = str(value or "").strip().lower()
        if not value:
            continue
        if value in seen:
            message = _("Same %(column)s as line %(line)s.") % {"column": key, "line": seen[value]}
            errors.append({"line": number + 1, "column": key, "message": message})
        else:
            seen[value] = number + 1
    return errors


def _row_errors(result, offset: int) -> list[dict]:
    """import-export's row results as (line in the file, column, message)."""
    errors = []
    for invalid in result.invalid_rows:
        for column, messages in invalid.error_dict.items():
            column = "" if column == "__all__" else column
            for message in messages:
                errors.append(
                    {"line": offset + invalid.number + 1, "column": column, "message": str(message)}
                )
    for number, row_errors in result.row_errors():
        for error in row_errors:
            logger.warning("import row %s failed: %r", offset + number + 1, error.error)
            errors.append(
                {
                    "line": offset + number + 1,
                    "column": "",
                    "message": _("Unexpected error on this line."),
                }
            )
    for error in result.base_errors:
        logger.warning("import failed: %r", error.error)
        errors.append({"line": 0, "column": "", "message": str(error.error)})
    return errors


# --- The job's life ---------------------------------------------------------------------


def import_start(*, actor: User, kind: str, filename: str, data: bytes) -> ImportJob:
    """Keep the file and queue its check; refused at once when it cannot be read."""
    if kind not in COLUMNS:
        raise InvalidInput(_("Choose what the file holds."), field="kind")
    if not may_import(actor, kind):
        raise PermissionDenied(_("You may not import these."), code="not_importer")
    filename = clean_filename(filename)
    check_size(filename=filename, size=len(data))
    file_format = "xlsx" if filename.lower().endswith(".xlsx") else "csv"
    dataset = load_dataset(data, file_format)
    _check_columns(dataset, kind)
    if not len(dataset):
        raise InvalidInput(_("The file has no row under its header."), field="file")
    from comptoir.cmdb.tasks import check_import

    with transaction.atomic():
        job = ImportJob.objects.create(
            actor=actor,
            kind=kind,
            file_format=file_format,
            filename=filename,
            data=data,
            total=len(dataset),
        )
        check_import.enqueue(job.pk)
    return job


def import_get(*, actor: User, pk: int) -> ImportJob:
    """An import is its importer's own; anyone else gets NotFound."""
    job = (
        ImportJob.objects.filter(pk=pk, actor_id=actor.pk).first()
        if actor.is_authenticated
        else None
    )
    if job is None:
        raise NotFound()
    return job


def import_confirm(*, actor: User, job: ImportJob) -> ImportJob:
    """The importer saw the check and wants the rows written."""
    from comptoir.cmdb.tasks import write_import

    with transaction.atomic():
        claimed = ImportJob.objects.filter(
            pk=job.pk, actor_id=actor.pk, state=ImportState.CHECKED
        ).update(state=ImportState.WRITING, done=0)
        if not claimed:
            raise InvalidInput(
                _("This import is not waiting for a confirmation."), code="not_checked"
            )
        write_import.enqueue(job.pk)
    job.refresh_from_db()
    return job


def _set(job_pk: int, **values) -> None:
    ImportJob.objects.filter(pk=job_pk).update(**values)


def _batches(dataset: tablib.Dataset) -> Iterable[tuple[int, tablib.Dataset]]:
    for start in range(0, len(dataset), BATCH):
        part = tablib.Dataset(*dataset[start : start + BATCH], headers=dataset.headers)
        yield start, part


def _failed(job_pk: int, exc: Exception) -> str:
    """A job that broke (a bug, a lost database) says so instead of running forever."""
    logger.exception("import %s failed", job_pk)
    message = str(exc) if isinstance(exc, InvalidInput) else _("The import failed; try again.")
    _set(
        job_pk,
        state=ImportState.FAILED,
        errors=[{"line": 0, "column": "", "message": message}],
        finished_at=timezone.now(),
        data=b"",
    )
    return ImportState.FAILED


def run_check(job_pk: int) -> str:
    """Every row through the actions, nothing kept; idempotent (a finished check stays)."""
    claimed = ImportJob.objects.filter(
        pk=job_pk, state__in=[ImportState.QUEUED, ImportState.CHECKING]
    )
    if not claimed.update(state=ImportState.CHECKING, done=0):
        return "skipped"
    try:
        return _check(job_pk)
    except Exception as exc:
        return _failed(job_pk, exc)


def _check(job_pk: int) -> str:
    job = ImportJob.objects.select_related("actor").get(pk=job_pk)
    with override(job.actor.language):
        dataset = load_dataset(bytes(job.data), job.file_format)
        _check_columns(dataset, job.kind)
        errors, preview, created, updated = _duplicates(dataset, job.kind), [], 0, 0
        for start, part in _batches(dataset):
            resource = resource_for(job.kind, job.actor)
            result = resource.import_data(
                part, dry_run=True, use_transactions=True, rollback_on_validation_errors=True
            )
            errors += _row_errors(result, start)
            created, updated = created + resource.created, updated + resource.updated
            for number, row in enumerate(part.dict, start + 2):
                if len(preview) < PREVIEW_ROWS:
                    preview.append(
                        {"line": number, "values": [str(row.get(c) or "") for c in part.headers]}
                    )
            _set(job_pk, done=start + len(part))
    errors.sort(key=lambda e: e["line"])
    state = ImportState.INVALID if errors else ImportState.CHECKED
    _set(
        job_pk,
        state=state,
        errors=errors[:MAX_ERRORS],
        preview={"headers": dataset.headers, "rows": preview},
        created=created,
        updated=updated,
        finished_at=timezone.now() if errors else None,
        data=b"" if errors else job.data,
    )
    return state


class LiveCount:
    """The rows written so far, committed every `every` seconds from a thread of its own,
    hence its own connection: the import's transaction stays open meanwhile. PostgreSQL
    only (SQLite lets one connection write at a time)."""

    def __init__(self, job_pk: int, every: float = 0.5) -> None:
        self.job_pk, self.every, self.value, self.sent = job_pk, every, 0, 0
        self.live = connection.vendor == "postgresql"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"import-{job_pk}")

    def __call__(self, value: int) -> None:
        self.value = value

    def __enter__(self) -> LiveCount:
        if self.live:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.live:
            self._stop.set()
            self._thread.join()

    def flush(self) -> None:
        if self.value != self.sent:
            self.sent = self.value
            _set(self.job_pk, done=self.sent)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                self.flush()
        except Exception:  # a lost progress count must not stop the import
            logger.exception("import %s: could not record progress", self.job_pk)
        finally:
            close_old_connections()
            connection.close()


def run_write(job_pk: int) -> str:
    """The whole file in one transaction, after the importer's confirmation."""
    try:
        return _write(job_pk)
    except Exception as exc:
        return _failed(job_pk, exc)


def _write(job_pk: int) -> str:
    job = (
        ImportJob.objects.select_related("actor")
        .filter(pk=job_pk, state=ImportState.WRITING)
        .first()
    )
    if job is None or job.finished_at is not None:
        return "skipped"
    with override(job.actor.language):
        dataset = load_dataset(bytes(job.data), job.file_format)
        _check_columns(dataset, job.kind)
        started = time.monotonic()
        with LiveCount(job_pk) as live:
            resource = resource_for(job.kind, job.actor, on_row=live)
            result = resource.import_data(
                dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True
            )
        errors = _row_errors(result, 0)
    logger.info("import %s: %s rows in %.1f s", job_pk, len(dataset), time.monotonic() - started)
    state = ImportState.INVALID if errors else ImportState.DONE
    _set(
        job_pk,
        state=state,
        errors=errors[:MAX_ERRORS],
        done=0 if errors else len(dataset),
        created=0 if errors else resource.created,
        updated=0 if errors else resource.updated,
        finished_at=timezone.now(),
        data=b"",
    )
    return state
