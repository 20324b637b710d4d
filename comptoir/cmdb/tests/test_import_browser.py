# covers: CMDB-1
"""In a real browser: the import page polls the job with htmx, its progress bar follows the
rows checked, and the page turns by itself into the preview, then into the summary."""

from __future__ import annotations

import re

import pytest

from comptoir.cmdb.models import ConfigurationItem, ImportJob
from comptoir.cmdb.tasks import check_import, write_import

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_watch_the_check_confirm_and_see_the_result(browser, world, tmp_path):
    data = tmp_path / "cis.csv"
    data.write_text("name,site,users\nPC-1,ALY,alice\nPC-2,ALI,anna\n", encoding="utf-8")
    browser.login("marc")
    page = browser.go("/console/cmdb/import/")
    page.select_option("select[name=kind]", "cis")
    page.set_input_files("input[name=file]", str(data))
    page.click("#import-form button[type=submit]")
    page.wait_for_url(re.compile(r"/console/cmdb/import/\d+/$"))
    assert page.locator("#import-progress progress").get_attribute("value") == "0"
    job = ImportJob.objects.get()
    check_import.call(job.pk)  # what a worker does meanwhile
    page.wait_for_selector("#import-preview")  # htmx saw the job stop, the page reloaded
    assert "PC-2" in page.inner_text("#import-preview")
    page.screenshot(path=str(tmp_path / "checked.png"), full_page=True)
    page.click("#import-confirm button[type=submit]")
    page.wait_for_selector("#import-progress progress")
    write_import.call(job.pk)
    page.wait_for_selector("#import-done")
    assert ConfigurationItem.objects.count() == 2
