"""Cover images: judged by content, re-encoded, described, and served behind visibility."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from knowledgehub.blogs.models import Post
from knowledgehub.blogs.services import check_cover, post_create, post_update
from knowledgehub.knowledge.choices import Audience

from . import helpers

pytestmark = pytest.mark.django_db


def _create(author, **kwargs):  # type: ignore[no-untyped-def]
    return post_create(
        author=author, title="With cover", body="x", audience=Audience.PUBLIC, **kwargs
    )


def test_cover_is_reencoded_and_shown(client, alice):  # type: ignore[no-untyped-def]
    post = _create(alice, cover=helpers.png(width=3000, height=1000), cover_alt="A red square")
    assert post.cover.name.endswith(".jpg") and "cover.png" not in post.cover.name
    assert (post.cover_width, post.cover_height) == (1600, 533)
    with post.cover.open("rb") as handle, Image.open(handle) as image:
        assert image.format == "JPEG"
    page = client.get(post.get_absolute_url()).content.decode()
    assert f'src="{post.get_cover_url()}"' in page and 'alt="A red square"' in page
    response = client.get(post.get_cover_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_non_image_cover_is_refused(alice):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="must be a PNG, JPEG, GIF or WebP image"):
        check_cover(helpers.text_file("cover.png"))
    pdf = SimpleUploadedFile("cover.jpg", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
    with pytest.raises(ValidationError, match="must be a PNG, JPEG, GIF or WebP image"):
        _create(alice, cover=pdf, cover_alt="x")
    assert not Post.objects.exists()


def test_a_decompression_bomb_is_refused_with_a_clear_message(client, alice):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="smaller than 40 megapixels"):
        check_cover(helpers.bomb_png())
    client.force_login(alice)
    response = client.post(
        "/blogs/new/",
        {
            "title": "Bomb",
            "body": "x",
            "audience": Audience.PUBLIC,
            "status": "published",
            "cover": helpers.bomb_png(),
            "cover_alt": "Huge",
        },
    )
    assert response.status_code == 200
    assert "smaller than 40 megapixels" in response.content.decode()
    assert not Post.objects.exists()


def test_a_damaged_image_is_refused(alice):  # type: ignore[no-untyped-def]
    data = helpers.png_bytes()
    with pytest.raises(ValidationError):
        check_cover(SimpleUploadedFile("broken.png", data[: len(data) // 2]))


def test_the_cover_needs_a_description(client, alice):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="Describe the cover image"):
        _create(alice, cover=helpers.png(), cover_alt=" ")
    client.force_login(alice)
    response = client.post(
        "/blogs/new/",
        {
            "title": "T",
            "body": "x",
            "audience": Audience.PUBLIC,
            "status": "published",
            "cover": helpers.png(),
        },
    )
    assert response.status_code == 200 and "Describe the cover image" in response.content.decode()


def test_replace_and_remove_the_cover(alice, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    post = _create(alice, cover=helpers.png(), cover_alt="First")
    first = post.cover.name
    storage = post.cover.storage
    with django_capture_on_commit_callbacks(execute=True):
        post = post_update(
            post=post,
            editor=alice,
            title="With cover",
            body="x",
            audience=Audience.PUBLIC,
            cover=helpers.png(colour=(0, 0, 255)),
            cover_alt="Second",
        )
    assert post.cover.name != first and not storage.exists(first)
    post = post_update(
        post=post,
        editor=alice,
        title="With cover",
        body="x",
        audience=Audience.PUBLIC,
        remove_cover=True,
    )
    assert not post.cover and post.cover_alt == ""


def test_cover_of_a_members_only_post_is_404_to_outsiders(client, alice, carol, community):  # type: ignore[no-untyped-def]
    post = post_create(
        author=alice,
        title="Inside",
        body="x",
        audience=Audience.COMMUNITY,
        community=community,
        cover=helpers.png(),
        cover_alt="x",
    )
    assert client.get(post.get_cover_url()).status_code == 404
    client.force_login(carol)
    assert client.get(post.get_cover_url()).status_code == 404
    client.force_login(alice)
    assert client.get(post.get_cover_url()).status_code == 200


def test_image_bytes_helper_is_a_real_png() -> None:
    with Image.open(io.BytesIO(helpers.png_bytes())) as image:
        assert image.format == "PNG"
