"""Images for articles: checked by their bytes, stored on disk, served by name."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.errors import ServiceError
from lms.i18n import _
from lms.kb.models import KbImage

MAX_IMAGE_BYTES = 2 * 1024 * 1024
# What the file's first bytes must be, whatever its name says.
SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
    b"GIF87a": ("image/gif", "gif"),
    b"GIF89a": ("image/gif", "gif"),
}


def sniff(data: bytes) -> tuple[str, str] | None:
    for signature, kind in SIGNATURES.items():
        if data.startswith(signature):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def store_image(
    session: Session, data: bytes, *, filename: str, folder: Path, user: User
) -> KbImage:
    """Check and save an uploaded image; the error names the file."""
    if not data:
        raise ServiceError(_("%(file)s is empty.", file=filename), field="image")
    if len(data) > MAX_IMAGE_BYTES:
        raise ServiceError(
            _(
                "%(file)s is larger than %(mb)d MB.",
                file=filename,
                mb=MAX_IMAGE_BYTES // 1024 // 1024,
            ),
            field="image",
        )
    kind = sniff(data)
    if kind is None:
        raise ServiceError(
            _("%(file)s is not a PNG, JPEG, GIF or WebP image.", file=filename), field="image"
        )
    content_type, extension = kind
    stored = f"{secrets.token_hex(12)}.{extension}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / stored).write_bytes(data)
    image = KbImage(
        stored_name=stored,
        original_name=filename[:255],
        content_type=content_type,
        size=len(data),
        uploaded_by_id=user.id,
    )
    session.add(image)
    session.flush()
    return image
