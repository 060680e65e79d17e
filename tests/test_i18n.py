"""The English catalogue (locale/en/LC_MESSAGES/django.po): complete, faithful to the msgids'
placeholders and markup, and actually used by Django when English is active.

No database and no Redis: the catalogue is read from disk, and the compiled catalogue comes from
`make messages` (compilemessages) or, when that has not run, from msgfmt into a temporary
LOCALE_PATHS.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import translation

PO_PATH = Path(django_settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"

# Python %-format directives as gettext's python-format sees them: %(name)s, %s, %d, %5.2f, %%.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
TAG = re.compile(r"</?[A-Za-z][^>]*>")
ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]*|#\d+|#x[0-9A-Fa-f]+);")


@pytest.fixture(autouse=True)
def _clean_cache():
    """Overrides the suite-wide Redis clean-up: nothing here touches the cache."""
    return


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    def sources_for(self, index: int) -> str:
        """The msgid a given msgstr form must mirror: singular for [0], plural for the rest."""
        return self.msgid if index == 0 or self.msgid_plural is None else self.msgid_plural


def _unquote(text: str, path: Path, line: int) -> str:
    text = text.strip()
    if not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"{path}:{line}: expected a quoted string, got {text!r}")
    # PO strings use C escapes, which a Python string literal reads the same way.
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    """A deliberately small PO reader: msgctxt, msgid, msgid_plural, msgstr, msgstr[n], flags and
    continuation lines. Obsolete (#~) entries are ignored, as msgfmt ignores them."""
    entries: list[Entry] = []
    current: Entry | None = None
    pending_flags: set[str] = set()
    target: tuple[str, int | None] | None = None

    def start(line_no: int) -> Entry:
        nonlocal current, pending_flags
        current = Entry(line=line_no, flags=pending_flags)
        pending_flags = set()
        entries.append(current)
        return current

    for line_no, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, target = None, None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"{path}:{line_no}: continuation line outside an entry")
            value = _unquote(line, path, line_no)
            name, index = target
            if name == "msgstr":
                current.msgstr[index or 0] += value
            else:
                setattr(current, name, (getattr(current, name) or "") + value)
            continue
        value = _unquote(rest, path, line_no)
        if keyword == "msgctxt" or (keyword == "msgid" and (current is None or current.msgstr)):
            entry = start(line_no) if current is None or current.msgstr else current
        else:
            entry = current
        if entry is None:
            raise ValueError(f"{path}:{line_no}: {keyword} outside an entry")
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(entry, keyword, value)
            target = (keyword, None)
        elif keyword == "msgstr":
            entry.msgstr[0] = value
            target = ("msgstr", 0)
        elif (match := re.fullmatch(r"msgstr\[(\d+)\]", keyword)) is not None:
            index = int(match[1])
            entry.msgstr[index] = value
            target = ("msgstr", index)
        else:
            raise ValueError(f"{path}:{line_no}: unknown keyword {keyword!r}")
    return entries


def _messages() -> list[Entry]:
    return [entry for entry in parse_po(PO_PATH) if not entry.is_header]


def _label(entry: Entry) -> str:
    return f"line {entry.line}: {entry.msgid!r}"


def _msgfmt() -> str:
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt (GNU gettext) is required to compile and check the catalogues"
    return msgfmt


def _msgfmt_statistics() -> dict[str, int]:
    result = subprocess.run(
        [_msgfmt(), "--check", "--statistics", "-o", os.devnull, str(PO_PATH)],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C", "LANGUAGE": ""},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    counts = {"translated": 0, "fuzzy": 0, "untranslated": 0}
    for number, kind in re.findall(r"(\d+) (translated|fuzzy|untranslated)", result.stderr):
        counts[kind] = int(number)
    assert counts["translated"] > 0, result.stderr
    return counts


# --- (a) complete ------------------------------------------------------------------------------


def test_english_catalogue_msgfmt_check_reports_no_untranslated_and_no_fuzzy():
    counts = _msgfmt_statistics()

    assert counts["untranslated"] == 0
    assert counts["fuzzy"] == 0


def test_english_catalogue_every_entry_has_msgstr_and_no_fuzzy_flag():
    messages = _messages()

    untranslated = [
        _label(entry)
        for entry in messages
        if not entry.msgstr or any(not text for text in entry.msgstr.values())
    ]
    fuzzy = [_label(entry) for entry in messages if "fuzzy" in entry.flags]

    assert messages
    assert untranslated == []
    assert fuzzy == []


def test_english_catalogue_plural_entries_fill_both_english_forms():
    plurals = [entry for entry in _messages() if entry.msgid_plural is not None]

    incomplete = [_label(entry) for entry in plurals if sorted(entry.msgstr) != [0, 1]]

    assert plurals
    assert incomplete == []


def test_po_parser_english_catalogue_counts_as_many_entries_as_msgfmt():
    counts = _msgfmt_statistics()

    assert len(_messages()) == sum(counts.values())


# --- (b) faithful ------------------------------------------------------------------------------


def test_english_catalogue_every_msgstr_keeps_msgid_placeholders():
    mismatched = [
        f"{_label(entry)} msgstr[{index}] {sorted(PLACEHOLDER.findall(text))} "
        f"!= {sorted(PLACEHOLDER.findall(entry.sources_for(index)))}"
        for entry in _messages()
        for index, text in entry.msgstr.items()
        if Counter(PLACEHOLDER.findall(text))
        != Counter(PLACEHOLDER.findall(entry.sources_for(index)))
    ]

    assert mismatched == []


def test_english_catalogue_every_msgstr_keeps_msgid_html_tags_and_entities():
    mismatched = [
        f"{_label(entry)} msgstr[{index}]"
        for entry in _messages()
        for index, text in entry.msgstr.items()
        if TAG.findall(text) != TAG.findall(entry.sources_for(index))
        or Counter(ENTITY.findall(text)) != Counter(ENTITY.findall(entry.sources_for(index)))
    ]

    assert mismatched == []


def test_english_catalogue_every_msgstr_keeps_msgid_edge_whitespace():
    def edges(text: str) -> tuple[str, str]:
        return text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]

    mismatched = [
        f"{_label(entry)} msgstr[{index}]"
        for entry in _messages()
        for index, text in entry.msgstr.items()
        if edges(text) != edges(entry.sources_for(index))
    ]

    assert mismatched == []


def test_english_catalogue_python_format_entries_keep_the_flag():
    missing = [
        _label(entry)
        for entry in _messages()
        if re.search(r"%\(\w+\)[sd]", entry.msgid) and "python-format" not in entry.flags
    ]

    assert missing == []


# --- (c) used by Django ------------------------------------------------------------------------


@pytest.fixture
def english_catalogue(settings, tmp_path):
    """Django's English catalogue: the compiled one next to the .po when `make messages` has
    built it from the current .po, otherwise the .po compiled here into a temporary locale
    directory (changing LOCALE_PATHS makes Django drop its cached catalogues)."""
    mo_path = PO_PATH.with_suffix(".mo")
    if mo_path.exists() and mo_path.stat().st_mtime >= PO_PATH.stat().st_mtime:
        yield mo_path
        return
    compiled = tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.mo"
    compiled.parent.mkdir(parents=True)
    subprocess.run(
        [_msgfmt(), "--check", "-o", str(compiled), str(PO_PATH)],
        check=True,
        capture_output=True,
    )
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    yield compiled


@pytest.mark.parametrize(
    ("msgid", "english"),
    [
        ("Beranda", "Home"),
        ("Peta Kompetensi", "Competency map"),
        ("Pelatihan", "Trainings"),
        ("Keluar", "Sign out"),
        ("Kata sandi", "Password"),
        ("Daftar tunggu", "Waiting list"),
        ("Cukup Optimal", "Fairly optimal"),
        ("Kurang Optimal", "Less than optimal"),
        ("Klasikal", "Classroom"),
        ("Bahasa Indonesia", "Bahasa Indonesia"),
    ],
)
def test_gettext_english_active_translates_key_ui_string(english_catalogue, msgid, english):
    with translation.override("en"):
        assert translation.gettext(msgid) == english


def test_gettext_english_active_formats_named_placeholders(english_catalogue):
    with translation.override("en"):
        text = translation.gettext("Selamat datang, %(name)s") % {"name": "Alice"}

    assert text == "Welcome, Alice"


@pytest.mark.parametrize(
    ("count", "english"),
    [(1, "1 e-book found"), (3, "3 e-books found")],
)
def test_ngettext_english_active_picks_plural_form_by_count(english_catalogue, count, english):
    msgid = "%(n)s e-book ditemukan"

    with translation.override("en"):
        text = translation.ngettext(msgid, msgid, count) % {"n": count}

    assert text == english


def test_gettext_indonesian_active_returns_source_string(english_catalogue):
    with translation.override("id"):
        assert translation.gettext("Beranda") == "Beranda"
