"""Profile photos: real images are re-encoded as a 256x256 PNG; anything else is refused with a
clear message, never a server error, and the person's profile is left as it was."""

from __future__ import annotations

import io
import random

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from knowledgehub.people.choices import ProfileVisibility

pytestmark = pytest.mark.django_db

NOT_READABLE = "The selected file is not an image we can read"
WRONG_TYPE = "The photo must be a JPEG, PNG, GIF or WebP image"


def image_bytes(
    fmt: str, size: tuple[int, int] = (120, 80), *, noisy: bool = False, **save
) -> bytes:
    if noisy:  # random pixels do not compress, so truncating the file loses image data
        rng = random.Random(1)
        image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (29, 112, 184))
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def post_avatar(client, file, **extra: str):
    data = {
        "name": "Alice Adams",
        "job_title": "Policy officer",
        "profile_visibility": ProfileVisibility.PUBLIC,
        "avatar": file,
    }
    data.update(extra)
    return client.post("/people/me/edit/", data)


def stored_image(user) -> Image.Image:
    user.refresh_from_db()
    with user.avatar.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


@pytest.mark.parametrize(
    ("fmt", "size"),
    [("PNG", (120, 80)), ("JPEG", (640, 480)), ("GIF", (40, 90)), ("WEBP", (300, 300))],
)
def test_real_image_is_reencoded_as_a_256_pixel_png(signed_in, alice, fmt, size):
    response = post_avatar(signed_in, upload(image_bytes(fmt, size), name=f"me.{fmt.lower()}"))
    assert response.status_code == 302
    image = stored_image(alice)
    assert image.format == "PNG"
    assert image.size == (256, 256)
    assert alice.avatar.name.startswith(f"avatars/{alice.pk}/")
    assert alice.avatar.name.endswith(".png")
    assert "me." not in alice.avatar.name
    page = signed_in.get("/people/alice/").content.decode()
    assert f'src="{alice.avatar.url}"' in page


def test_metadata_is_stripped(signed_in, alice):
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription
    exif[0x013B] = "Secret Artist"  # Artist
    data = image_bytes("JPEG", exif=exif.tobytes())
    assert b"Secret Artist" in data
    assert post_avatar(signed_in, upload(data, "me.jpg", "image/jpeg")).status_code == 302
    alice.refresh_from_db()
    with alice.avatar.open("rb") as handle:
        stored = handle.read()
    assert b"Secret Artist" not in stored
    assert b"secret description" not in stored


def test_a_new_photo_replaces_the_old_file(signed_in, alice):
    post_avatar(signed_in, upload(image_bytes("PNG")))
    alice.refresh_from_db()
    first = alice.avatar.name
    post_avatar(signed_in, upload(image_bytes("JPEG"), "new.jpg", "image/jpeg"))
    alice.refresh_from_db()
    assert alice.avatar.name != first
    assert default_storage.exists(alice.avatar.name)
    assert not default_storage.exists(first)


def test_clearing_the_photo_removes_it(signed_in, alice):
    post_avatar(signed_in, upload(image_bytes("PNG")))
    alice.refresh_from_db()
    name = alice.avatar.name
    response = signed_in.post(
        "/people/me/edit/",
        {
            "name": "Alice Adams",
            "profile_visibility": ProfileVisibility.PUBLIC,
            "avatar-clear": "on",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert not alice.avatar
    assert not default_storage.exists(name)


@pytest.fixture
def existing(signed_in, alice):
    """Alice already has a photo; failed uploads must leave it (and her name) alone."""
    post_avatar(signed_in, upload(image_bytes("PNG")))
    alice.refresh_from_db()
    return alice.avatar.name


def assert_refused(client, alice, existing: str, file, message: str) -> None:
    response = post_avatar(client, file, name="Not Alice", job_title="Changed")
    assert response.status_code == 200
    assert response.context["form"].errors["avatar"] == [message]
    html = response.content.decode()
    assert message in html
    assert 'class="govuk-error-summary' in html
    alice.refresh_from_db()
    assert (alice.name, alice.job_title) == ("Alice Adams", "Policy officer")
    assert alice.avatar.name == existing
    assert default_storage.exists(existing)
    assert stored_image(alice).size == (256, 256)


def test_file_over_the_size_limit_is_refused(signed_in, alice, existing, settings):
    settings.AVATAR_MAX_BYTES = 50_000
    data = image_bytes("PNG", (200, 200), noisy=True)
    assert len(data) > 50_000
    assert_refused(
        signed_in, alice, existing, upload(data), "The photo must be smaller than 48.8\xa0KB"
    )


def test_file_over_the_default_limit_is_refused(signed_in, alice, existing, settings):
    data = image_bytes("PNG") + b"\0" * settings.AVATAR_MAX_BYTES
    assert_refused(
        signed_in, alice, existing, upload(data), "The photo must be smaller than 2.0\xa0MB"
    )


def test_text_file_named_like_an_image_is_refused(signed_in, alice, existing):
    text = upload(b"Just some notes, honestly a PNG.\n" * 20, "photo.png", "image/png")
    assert_refused(signed_in, alice, existing, text, NOT_READABLE)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_truncated_image_is_refused(signed_in, alice, existing, fmt):
    data = image_bytes(fmt, (200, 150), noisy=True)
    half = upload(data[: len(data) // 2], f"photo.{fmt.lower()}", f"image/{fmt.lower()}")
    assert_refused(signed_in, alice, existing, half, NOT_READABLE)


def test_corrupt_image_data_is_refused(signed_in, alice, existing):
    data = bytearray(image_bytes("PNG", (64, 64), noisy=True))
    for i in range(100, len(data) - 20, 7):  # scribble over the compressed pixels
        data[i] ^= 0xFF
    assert_refused(signed_in, alice, existing, upload(bytes(data)), NOT_READABLE)


def test_svg_is_refused(signed_in, alice, existing):
    svg = (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
        b"<script>alert(document.cookie)</script><rect width='64' height='64'/></svg>"
    )
    assert_refused(signed_in, alice, existing, upload(svg, "me.svg", "image/svg+xml"), NOT_READABLE)


@pytest.mark.parametrize("fmt", ["BMP", "TIFF"])
def test_other_image_formats_are_refused(signed_in, alice, existing, fmt):
    assert_refused(signed_in, alice, existing, upload(image_bytes(fmt)), WRONG_TYPE)


def test_huge_dimensions_are_refused_before_decoding(signed_in, alice, existing):
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, format="PNG")  # 48 megapixels, a few kilobytes
    assert_refused(
        signed_in,
        alice,
        existing,
        upload(out.getvalue()),
        "The photo is too large: it must be under 40 megapixels",
    )
