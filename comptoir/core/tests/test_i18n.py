#
"""X-1: French and English everywhere. Every French catalogue of the package (comptoir/locale
and any app's own locale/) is complete (no untranslated, no fuzzy entry, placeholders kept),
each committed .mo is its compiled .po, the catalogues cover every string of the sources, and
product messages read correctly in both languages."""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import cache
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import translation

import comptoir
from comptoir.catalog.models import Desk, TicketType
from comptoir.conftest import category
from comptoir.core.errors import InvalidInput, NotFound
from comptoir.tickets import actions

PACKAGE = Path(comptoir.__file__).resolve().parent
PO = PACKAGE / "locale" / "fr" / "LC_MESSAGES" / "django.po"
FRENCH = "locale/fr/LC_MESSAGES/django.po"


def catalogues(root: Path) -> list[Path]:
    """comptoir/locale's catalogue and those of apps that keep their own (portal/locale…)."""
    return sorted(p for p in root.glob(f"**/{FRENCH}") if "var" not in p.relative_to(root).parts)


CATALOGUES = catalogues(PACKAGE)
by_catalogue = pytest.mark.parametrize(
    "po", CATALOGUES, ids=lambda p: str(p.relative_to(PACKAGE.parent).parents[3])
)
# What `make messages` passes to makemessages: tests and fixtures are not product strings.
MAKEMESSAGES_OPTIONS = {"ignore_patterns": ["*/tests/*", "conftest.py"], "no_obsolete": True}
PLACEHOLDER = re.compile(r"%\(\w+\)[a-z]|%[a-z]|\{\w*\}")


# -- a small .po reader (no polib) ------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    def catalog_items(self) -> list[tuple[object, str]]:
        """The (key, value) pairs GNUTranslations keeps for this entry."""
        msgid = self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"
        if self.msgid_plural is None:
            return [(msgid, self.msgstr.get(0, ""))]
        return [((msgid, n), text) for n, text in sorted(self.msgstr.items())]


@cache
def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # the keyword the next continuation line extends

    def start(lineno: int) -> Entry:
        nonlocal current
        if current is None:
            current = Entry(line=lineno)
            entries.append(current)
        return current

    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            current, target = None, None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            start(lineno).flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            continue
        if line.startswith("#"):
            start(lineno)
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
        if match:
            keyword, index, literal = match.groups()
            entry = start(lineno)
            if entry.msgstr and keyword in ("msgctxt", "msgid"):  # no blank line between entries
                current = None
                entry = start(lineno)
            target = (keyword.split("[")[0], int(index or 0))
            text = ast.literal_eval(literal)
        elif line.startswith('"') and current is not None and target is not None:
            entry, text = current, ast.literal_eval(line)
        else:
            raise AssertionError(f"{path.name}:{lineno}: cannot read {raw!r}")
        keyword, index = target
        if keyword == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + text
        else:
            setattr(entry, keyword, (getattr(entry, keyword) or "") + text)
    return [e for e in entries if e.msgstr or e.msgid]


def header_fields(entries: list[Entry]) -> dict[str, str]:
    [header] = [e for e in entries if e.is_header]
    pairs = (line.split(":", 1) for line in header.msgstr[0].splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def untranslated_or_fuzzy(entries: list[Entry]) -> list[str]:
    problems = []
    for e in entries:
        if "fuzzy" in e.flags:
            problems.append(f"line {e.line}: fuzzy: {e.msgid!r}")
        elif not e.is_header:
            expected = 2 if e.msgid_plural is not None else 1  # nplurals=2 for French
            texts = [e.msgstr.get(n, "") for n in range(expected)]
            if not all(t.strip() for t in texts):
                problems.append(f"line {e.line}: untranslated: {e.msgid!r}")
    return problems


def comparable(catalog: dict[object, str]) -> dict[object, str]:
    """msgfmt leaves POT-Creation-Date out of the compiled header (reproducible builds)."""
    header = "".join(
        line for line in catalog.get("", "").splitlines(True) if not line.startswith("POT-")
    )
    return {**catalog, "": header}


def po_catalog(entries: list[Entry]) -> dict[object, str]:
    """What msgfmt compiles: translated, non-fuzzy entries (and the header)."""
    return comparable(
        {
            key: value
            for e in entries
            if "fuzzy" not in e.flags or e.is_header
            for key, value in e.catalog_items()
            if value or e.is_header
        }
    )


def mo_catalog(path: Path) -> dict[object, str]:
    with path.open("rb") as fp:
        # _catalog is GNUTranslations' parsed table: the whole content, header included.
        return comparable(dict(gettext.GNUTranslations(fp)._catalog))


# -- (a) the catalogue is complete ------------------------------------------------------------


def test_the_reader_understands_the_po_format(tmp_path):
    sample = tmp_path / "sample.po"
    sample.write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgid "Hello %(name)s, "\n"“friend”."\n'
        'msgstr "Bonjour %(name)s, "\n"“ami”."\n\n'
        '#, fuzzy\nmsgid "Fuzzy"\nmsgstr "Flou"\n\n'
        'msgid "Empty"\nmsgstr ""\n\n'
        'msgctxt "month"\nmsgid "May"\nmsgstr "Mai"\n\n'
        'msgid "One file"\nmsgid_plural "%d files"\nmsgstr[0] "Un fichier"\nmsgstr[1] ""\n\n'
        '#~ msgid "Old"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    entries = read_po(sample)
    msgids = ["", "Hello %(name)s, “friend”.", "Fuzzy", "Empty", "May", "One file"]
    assert [e.msgid for e in entries] == msgids
    assert entries[1].msgstr == {0: "Bonjour %(name)s, “ami”."}
    assert entries[1].flags == {"python-format"}
    assert entries[4].catalog_items() == [("month\x04May", "Mai")]
    assert [p.split(": ", 1)[1] for p in untranslated_or_fuzzy(entries)] == [
        "fuzzy: 'Fuzzy'",
        "untranslated: 'Empty'",
        "untranslated: 'One file'",
    ]


def test_the_main_catalogue_is_found_and_read_whole():
    assert PO in CATALOGUES
    assert len(read_po(PO)) > 200  # the whole catalogue was read, not a fragment


@by_catalogue
def test_the_french_catalogue_has_no_untranslated_and_no_fuzzy_entry(po):
    problems = untranslated_or_fuzzy(read_po(po))
    assert not problems, (
        f"Translate these in {po.relative_to(PACKAGE.parent)}, then compile "
        "(`make messages`):\n" + "\n".join(problems)
    )


@by_catalogue
def test_the_header_declares_french_plurals_and_utf8(po):
    fields = header_fields(read_po(po))
    assert fields["Language"] == "fr"
    assert fields["Plural-Forms"] == "nplurals=2; plural=(n > 1);"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@by_catalogue
def test_translations_keep_every_placeholder(po):
    wrong = [
        (e.msgid, text)
        for e in read_po(po)
        if not e.is_header
        for text in e.msgstr.values()
        if placeholders(text)
        not in (placeholders(e.msgid), placeholders(e.msgid_plural or e.msgid))
    ]
    assert not wrong, f"placeholders differ between msgid and msgstr: {wrong}"


def test_the_catalogue_covers_every_string_of_the_sources(tmp_path, settings, monkeypatch):
    """`make messages` on today's sources would add nothing left to translate."""
    if not (shutil.which("xgettext") and shutil.which("msgmerge") and shutil.which("msguniq")):
        print("SKIPPED: GNU gettext (xgettext, msgmerge, msguniq) is not installed")
        pytest.skip("GNU gettext (xgettext, msgmerge, msguniq) is not installed")
    copy = tmp_path / "comptoir"
    shutil.copytree(
        PACKAGE,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "var", "static", "media", "*.mo"),
    )
    # makemessages writes to LOCALE_PATHS: point it at the copy, never at the real catalogue.
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["fr"], stdout=StringIO(), **MAKEMESSAGES_OPTIONS)
    problems = [
        f"{po.relative_to(tmp_path)}: {problem}"
        for po in catalogues(copy)
        for problem in untranslated_or_fuzzy(read_po(po))
    ]
    assert catalogues(copy) == [copy / p.relative_to(PACKAGE) for p in CATALOGUES]
    assert not problems, (
        "Strings of the sources missing from the French catalogue; run `make messages`, "
        "translate, and compile:\n" + "\n".join(problems)
    )


# -- (b) the committed .mo is the compiled .po ------------------------------------------------


@by_catalogue
def test_the_committed_mo_holds_exactly_the_po(po):
    mo = po.with_suffix(".mo")
    assert mo.exists(), (
        "compile the catalogue: cd comptoir && ../.venv/bin/comptoir compilemessages"
    )
    expected, compiled = po_catalog(read_po(po)), mo_catalog(mo)
    stale = sorted(
        str(k) for k in expected.keys() | compiled.keys() if expected.get(k) != compiled.get(k)
    )
    assert not stale, "django.mo is out of date; run compilemessages. Differing: " + "; ".join(
        stale[:20]
    )


@by_catalogue
def test_the_committed_mo_equals_what_msgfmt_compiles(po, tmp_path):
    msgfmt = shutil.which("msgfmt")
    if not msgfmt:
        print("SKIPPED: msgfmt (GNU gettext) is not installed; the .mo was checked against the .po")
        pytest.skip("msgfmt (GNU gettext) is not installed")
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(po)], check=True)
    assert mo_catalog(fresh) == mo_catalog(po.with_suffix(".mo")), (
        "django.mo is out of date; run compilemessages"
    )


# -- (c) product messages in both languages ---------------------------------------------------


def in_both(make) -> tuple[str, str]:
    out = []
    for lang in ("en", "fr"):
        with translation.override(lang):
            out.append(str(make()))
    return out[0], out[1]


def test_not_found_reads_in_both_languages():
    assert in_both(lambda: NotFound().message) == ("Not found.", "Introuvable.")


def test_a_refused_ticket_creation_reads_in_both_languages(world):
    desk = Desk.objects.get(slug="spt")
    kwargs = {
        "desk": desk,
        "type": TicketType.objects.get(desk=desk, code="support"),
        "category": category("spt", "erp"),
        "title": "   ",
        "description": "Le module plante à la validation.",
    }
    messages = []
    for lang in ("en", "fr"):
        with translation.override(lang), pytest.raises(InvalidInput) as info:
            actions.ticket_create(actor=world.customer, **kwargs)
        assert info.value.field == "title"
        messages.append(str(info.value))
    assert messages == ["The title is required.", "Le titre est obligatoire."]


@pytest.mark.parametrize(
    ("english", "params", "french"),
    [
        ("%(name)s took this ticket first.", {"name": "Gisèle"}, "Gisèle a pris en charge"),
        ("Only the agent in charge may release this ticket.", {}, "libérer"),
        ("Only agents of the ticket's service may invite guests.", {}, "gestionnaires"),
        ("The quote amount must be a number.", {}, "chiffrage"),
        ("The affected person must belong to your site.", {}, "personne concernée"),
        ("The personal reference is limited to 100 characters.", {}, "référence personnelle"),
        (
            "“%(name)s” is too large: %(limit)s at most per file.",
            {"name": "scan.pdf", "limit": "20 Mo"},
            "“scan.pdf” est trop volumineux : 20 Mo au plus par fichier.",
        ),
    ],
    ids=["take", "release", "guests", "quote", "affected", "reference", "file-size"],
)
def test_product_messages_use_the_service_desk_vocabulary(english, params, french):
    en, fr = in_both(lambda: translation.gettext(english) % params)
    assert en == english % params
    assert french in fr and fr != en


def test_model_names_and_languages_read_in_both_languages():
    assert in_both(lambda: Desk._meta.verbose_name) == ("desk", "centre de services")
    assert in_both(lambda: TicketType._meta.verbose_name) == ("ticket type", "type de demande")
    with translation.override("fr"):
        assert [str(name) for _code, name in django_settings.LANGUAGES] == ["Français", "Anglais"]
