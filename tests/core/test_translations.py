"""Every marked UI string has a Russian and an English translation, none fuzzy."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None}


@cache
def source_messages() -> frozenset[str]:
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / "lms", method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return frozenset(found)


def catalogue(locale: str):
    with open(ROOT / "lms/translations" / locale / "LC_MESSAGES/messages.po", "rb") as po:
        return read_po(po, locale=locale)


def test_extraction_finds_the_ui():
    assert {"Sign in", "Access denied", "Wrong e-mail or password."} <= source_messages()


@pytest.mark.parametrize("locale", ["ru", "en"])
def test_catalogue_is_complete(locale):
    cat = catalogue(locale)
    missing = sorted(m for m in source_messages() if not cat.get(m) or not _translated(cat.get(m)))
    fuzzy = sorted(m.id if isinstance(m.id, str) else m.id[0] for m in cat if m.id and m.fuzzy)
    assert missing == [], f"untranslated in {locale}: run `make translations` and translate"
    assert fuzzy == [], f"fuzzy in {locale}: review and clear the fuzzy flag"


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(s.strip() for s in strings)


def test_russian_plural_forms_have_three_variants():
    cat = catalogue("ru")
    plurals = [m for m in cat if m.id and isinstance(m.id, tuple)]
    assert plurals, "the UI has plural messages"
    assert all(len(m.string) == 3 for m in plurals)
