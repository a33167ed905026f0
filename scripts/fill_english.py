"""Fill the English catalogue from the source strings, which are English already.

Run by `make translations` after `pybabel update`, so only Russian needs a translator.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def fill(path: Path) -> int:
    with path.open("rb") as po:
        catalogue = read_po(po, locale="en")
    filled = 0
    for message in catalogue:
        if not message.id:
            continue
        if message.string != message.id or message.fuzzy:
            message.string = message.id  # a plural's (singular, plural) pair fills both forms
            message.flags.discard("fuzzy")
            filled += 1
    with path.open("wb") as po:
        write_po(po, catalogue, no_location=True, width=76)
    return filled


if __name__ == "__main__":
    default = "lms/translations/en/LC_MESSAGES/messages.po"
    target = Path(sys.argv[1] if len(sys.argv) > 1 else default)
    print(f"{target}: {fill(target)} English messages filled")
