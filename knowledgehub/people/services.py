"""Writes to people: profiles and avatars."""

from __future__ import annotations

import io
import secrets
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from knowledgehub.knowledge.models import Tag

from .models import User

AVATAR_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
AVATAR_SIZE = 256
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding


class AvatarError(ValueError):
    """An uploaded avatar is not an acceptable image; the message is shown to the person."""


def check_avatar(upload: UploadedFile) -> None:
    """Size, then real image type (by decoding the header, never by the name or the claimed
    content type)."""
    too_large = getattr(upload, "too_large", False)  # cut off while streaming (lib.upload_handlers)
    if too_large or upload.size is None or upload.size > settings.AVATAR_MAX_BYTES:
        raise AvatarError(
            _("The photo must be smaller than %(size)s")
            % {"size": filesizeformat(settings.AVATAR_MAX_BYTES)}
        )
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.format not in AVATAR_FORMATS:
                raise AvatarError(_("The photo must be a JPEG, PNG, GIF or WebP image"))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise AvatarError(_("The photo is too large: it must be under 40 megapixels"))
            image.verify()
        # verify() does not decode JPEG or GIF pixel data: decode as _reencode will, so a
        # truncated file is refused here rather than failing after the form has accepted it.
        upload.seek(0)
        with Image.open(upload) as image:
            image.draft("RGB", (AVATAR_SIZE * 2, AVATAR_SIZE * 2))
            image.load()
    except AvatarError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise AvatarError(_("The selected file is not an image we can read")) from None
    finally:
        upload.seek(0)


def _reencode(upload: UploadedFile) -> ContentFile[bytes]:
    """A square PNG thumbnail: strips metadata and anything hidden in the original file."""
    upload.seek(0)
    with Image.open(upload) as image:
        image.draft("RGB", (AVATAR_SIZE * 2, AVATAR_SIZE * 2))
        frame = image.convert("RGBA")
    side = min(frame.size)
    left = (frame.width - side) // 2
    top = (frame.height - side) // 2
    frame = frame.crop((left, top, left + side, top + side)).resize((AVATAR_SIZE, AVATAR_SIZE))
    out = io.BytesIO()
    frame.save(out, format="PNG", optimize=True)
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(8)}.png")


def profile_update(*, user: User, data: dict[str, Any]) -> User:
    interests = data.pop("interests", None)
    skills = data.pop("skills", None)
    avatar = data.pop("avatar", None)
    # A ModelForm has already put the upload (or "" when cleared) on the instance, so the file
    # to remove is the one the database names.
    old = User.objects.filter(pk=user.pk).values_list("avatar", flat=True).first() or ""
    with transaction.atomic():
        for key, value in data.items():
            setattr(user, key, value)
        if avatar is False:  # "clear" ticked
            user.avatar = ""
        elif isinstance(avatar, UploadedFile):
            user.avatar.save("avatar.png", _reencode(avatar), save=False)
        user.save()
        if interests is not None:
            user.interests.set(Tag.objects.get_or_create_many(interests))
        if skills is not None:
            user.skills.set(Tag.objects.get_or_create_many(skills))
    if old and old != user.avatar.name:
        user.avatar.storage.delete(old)
    return user
