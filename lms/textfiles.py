"""Reading uploaded text files (CSV and the like) as HR's spreadsheets save them.

UTF-8, with or without a BOM, is read as it is; Windows-1251, which Excel in the Russian
locale writes, only when it reads as Russian rather than as garbled KOI8-R. Anything else
is refused with a message saying how to save the file, never imported garbled.
"""

from __future__ import annotations

import re

from lms.errors import ServiceError
from lms.i18n import _

# Telling real Windows-1251 from other Cyrillic encodings read as it (KOI8-R above all).
RUSSIAN_LETTERS = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")
TYPOGRAPHY = frozenset("«»—–№…“”„‘’\u00a0")
FREQUENT_LETTERS = frozenset("оеаинтсрвлкмдпуяы")  # about 85% of the letters of Russian text
RUSSIAN_WORD = re.compile(r"[а-яёА-ЯЁ]+")
MIN_RUSSIAN_SCORE = 0.7


class UnreadableFile(ServiceError):
    """The bytes are not text this app can read safely."""


def decode_text(data: bytes, *, max_bytes: int) -> str:
    """The file's text: UTF-8 (BOM or not) or Russian Windows-1251; anything else is refused.

    Raises ``UnreadableFile`` whose message says what is wrong and how to save the file.
    """
    _check_bytes(data, max_bytes)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _decode_cp1251(data)
    if text is None:
        raise UnreadableFile(
            _(
                "the file is neither UTF-8 nor Windows-1251 (Cyrillic) text. Save it as "
                "“CSV UTF-8” or as CSV in Windows-1251 and upload it again."
            ),
        )
    if not text.strip():
        raise UnreadableFile(_("the file is empty."))
    return text


def _check_bytes(data: bytes, limit: int) -> None:
    if not data.strip():
        raise UnreadableFile(_("the file is empty."))
    if len(data) > limit:
        raise UnreadableFile(
            _(
                "the file is larger than %(size)d KB; split it into smaller files.",
                size=limit // 1024,
            ),
        )
    if b"\x00" in data:
        raise UnreadableFile(
            _(
                "this is not a CSV text file (it contains binary data, e.g. an Excel workbook or "
                "UTF-16 text). Save it as “CSV UTF-8” or as CSV in Windows-1251."
            ),
        )


def _decode_cp1251(data: bytes) -> str | None:
    """Windows-1251 text, only if it reads as Russian and not as garbled KOI8-R."""
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        return None
    return text if _looks_russian(text, data.decode("koi8-r")) else None


def _looks_russian(text: str, as_koi8: str) -> bool:
    """Russian letters with sensible case and letter frequencies, better than read as KOI8-R.

    KOI8-R read as Windows-1251 swaps upper and lower case ("йЧБОПЧ" for "Иванов") and turns
    frequent letters into rare ones; the same bytes read as KOI8-R then score higher.
    """
    non_ascii = [c for c in text if ord(c) > 127]
    foreign = sum(c not in RUSSIAN_LETTERS and c not in TYPOGRAPHY for c in non_ascii)
    if foreign > 0.1 * len(non_ascii):
        return False
    score = _russian_score(text)
    return score is None or (score >= MIN_RUSSIAN_SCORE and score > (_russian_score(as_koi8) or 0))


def _russian_score(text: str) -> float | None:
    """0..1: how much the Cyrillic words look like Russian; None without Cyrillic words."""
    words = RUSSIAN_WORD.findall(text)
    if not words:
        return None
    letters = "".join(words).lower()
    frequent = sum(c in FREQUENT_LETTERS for c in letters) / len(letters)
    shaped = sum(_well_cased(w) for w in words) / len(words)
    return (frequent + shaped) / 2


def _well_cased(word: str) -> bool:
    return word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower())
