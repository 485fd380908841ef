"""The upload size limit is enforced while a file streams in: past the limit nothing more reaches
Django's memory or temporary-file handlers, nothing is stored, and the person gets the usual
clear form error (never a 500 or a reset connection)."""

from __future__ import annotations

import http.client
import io
import os
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import (
    MemoryFileUploadHandler,
    TemporaryFileUploadHandler,
)
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from PIL import Image

from knowledgehub.lib.upload_handlers import (
    REQUEST_ALLOWANCE,
    SizeLimitUploadHandler,
    TooLargeUpload,
    is_too_large,
)
from knowledgehub.lib.uploads import validate_upload
from knowledgehub.library.models import Document, DocumentVersion
from knowledgehub.people.choices import ProfileVisibility
from knowledgehub.testing.factories import community_with, library_document

LIMIT = 100_000
CHUNK = 64 * 1024


def too_big_message(limit: int = LIMIT) -> str:
    return f"The selected file must be smaller than {filesizeformat(limit)}"


# --- the handler on its own ------------------------------------------------------------------


def fed(handler: SizeLimitUploadHandler, total: int, *, chunk: int = CHUNK) -> list[bytes | None]:
    """Feed ``total`` bytes in chunks; return what the handler passed on for each chunk."""
    out: list[bytes | None] = []
    start = 0
    while start < total:
        data = b"x" * min(chunk, total - start)
        out.append(handler.receive_data_chunk(data, start))
        start += len(data)
    return out


def started(settings, limit: int = LIMIT, content_length: int = 0) -> SizeLimitUploadHandler:
    settings.KH_UPLOAD_MAX_BYTES = limit
    handler = SizeLimitUploadHandler()
    handler.handle_raw_input(io.BytesIO(), {}, content_length or limit, b"b")
    handler.new_file("file", "notes.txt", "text/plain", None, "utf-8")
    return handler


def test_file_within_the_limit_passes_through_unchanged(settings):
    handler = started(settings)
    chunk = b"a" * 1000
    assert handler.receive_data_chunk(chunk, 0) is chunk
    rest = fed(handler, LIMIT - 1000)  # exactly at the limit is allowed
    assert all(out is not None for out in rest)
    assert handler.file_complete(LIMIT) is None  # the next handler returns the real file


def test_file_over_the_limit_stops_being_passed_on_and_becomes_a_marker(settings):
    handler = started(settings)
    out = fed(handler, 10 * LIMIT)
    passed = sum(len(chunk) for chunk in out if chunk is not None)
    assert passed <= LIMIT
    assert passed == (LIMIT // CHUNK) * CHUNK  # every chunk before the crossing one
    first_refused = out.index(None)
    assert all(chunk is None for chunk in out[first_refused:])  # never resumes
    marker = handler.file_complete(10 * LIMIT)
    assert isinstance(marker, TooLargeUpload)
    assert is_too_large(marker)
    assert marker.size == 10 * LIMIT  # every byte is counted, none kept
    assert marker.read() == b""
    assert marker.name == "notes.txt"
    assert (marker.content_type, marker.charset) == ("text/plain", "utf-8")


def test_each_file_of_a_request_is_counted_separately(settings):
    handler = started(settings)
    fed(handler, 2 * LIMIT)
    assert isinstance(handler.file_complete(2 * LIMIT), TooLargeUpload)
    handler.new_file("other", "small.txt", "text/plain", None)
    assert all(out is not None for out in fed(handler, LIMIT // 2))
    assert handler.file_complete(LIMIT // 2) is None


def test_request_far_over_the_limit_is_refused_from_the_first_byte(settings):
    handler = started(settings, content_length=LIMIT + REQUEST_ALLOWANCE + 1)
    assert fed(handler, 5000) == [None]
    marker = handler.file_complete(5000)
    assert is_too_large(marker) and marker is not None and marker.size == 5000


def test_request_just_over_the_limit_is_judged_by_the_file(settings):
    handler = started(settings, content_length=LIMIT + REQUEST_ALLOWANCE)
    assert fed(handler, 5000) != [None]
    assert handler.file_complete(5000) is None


def test_declared_part_length_over_the_limit_is_refused_at_once(settings):
    handler = started(settings)
    handler.new_file("file", "big.bin", "application/pdf", LIMIT + 1)
    assert fed(handler, 100) == [None]
    assert is_too_large(handler.file_complete(100))


def test_temporary_file_already_written_is_deleted_when_the_file_goes_over(settings):
    settings.KH_UPLOAD_MAX_BYTES = LIMIT
    request = SimpleNamespace(upload_handlers=[])
    handler = SizeLimitUploadHandler(request)
    temporary = TemporaryFileUploadHandler(request)
    request.upload_handlers = [handler, temporary]
    for each in request.upload_handlers:
        each.new_file("file", "notes.txt", "text/plain", None)
    path = temporary.file.temporary_file_path()
    written = 0
    start = 0
    while start < 3 * LIMIT:
        chunk = handler.receive_data_chunk(b"x" * CHUNK, start)
        start += CHUNK
        if chunk is None:
            break
        temporary.receive_data_chunk(chunk, start)
        written += len(chunk)
        assert os.path.exists(path)
    assert 0 < written <= LIMIT
    assert not os.path.exists(path)
    assert is_too_large(handler.file_complete(start))


def test_limit_is_read_per_request(settings):
    settings.KH_UPLOAD_MAX_BYTES = 10
    assert SizeLimitUploadHandler().limit == 10
    settings.KH_UPLOAD_MAX_BYTES = 20
    assert SizeLimitUploadHandler().limit == 20


def test_settings_put_the_handler_first(settings):
    assert settings.FILE_UPLOAD_HANDLERS[0] == (
        "knowledgehub.lib.upload_handlers.SizeLimitUploadHandler"
    )


@pytest.mark.parametrize("size", [0, 10, LIMIT + 1])
def test_validate_upload_refuses_a_marker_for_its_size(settings, size):
    settings.KH_UPLOAD_MAX_BYTES = LIMIT
    marker = TooLargeUpload(name="x.pdf", content_type="application/pdf", size=size)
    with pytest.raises(ValidationError) as caught:
        validate_upload(marker)
    assert caught.value.messages == [too_big_message()]


# --- through the real views ------------------------------------------------------------------


@pytest.fixture
def passed_on(monkeypatch) -> Iterator[dict[str, int]]:
    """Bytes reaching Django's memory and temporary-file handlers, and the temporary files."""
    totals: dict[str, int] = defaultdict(int)
    temp_paths: list[str] = []
    memory_receive = MemoryFileUploadHandler.receive_data_chunk
    temporary_receive = TemporaryFileUploadHandler.receive_data_chunk
    temporary_new_file = TemporaryFileUploadHandler.new_file

    def memory_spy(self, raw_data, start):  # type: ignore[no-untyped-def]
        totals["memory"] += len(raw_data)
        return memory_receive(self, raw_data, start)

    def temporary_spy(self, raw_data, start):  # type: ignore[no-untyped-def]
        totals["temporary"] += len(raw_data)
        return temporary_receive(self, raw_data, start)

    def new_file_spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        temporary_new_file(self, *args, **kwargs)
        temp_paths.append(self.file.temporary_file_path())

    monkeypatch.setattr(MemoryFileUploadHandler, "receive_data_chunk", memory_spy)
    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", temporary_spy)
    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", new_file_spy)
    yield totals
    assert not [p for p in temp_paths if os.path.exists(p)], "a temporary upload was left"


def stored_library_files() -> list[Path]:
    root = Path(DocumentVersion._meta.get_field("file").storage.location)  # type: ignore[attr-defined]
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def post_document(client, community, data: bytes, name: str = "notes.txt"):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("library:upload", kwargs={"slug": community.slug}),
        {"title": "Notes", "audience": "public", "file": SimpleUploadedFile(name, data)},
    )


def assert_refused_for_size(response, field: str, message: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert "govuk-error-summary" in response.text
    assert message in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("memory_size", [2_621_440, 1000], ids=["in-memory", "temporary-file"])
def test_library_upload_over_the_limit_is_refused_while_streaming(
    client, alice, settings, passed_on, memory_size
):
    settings.KH_UPLOAD_MAX_BYTES = LIMIT
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = memory_size
    community = community_with(alice)
    client.force_login(alice)
    before = stored_library_files()
    response = post_document(client, community, b"a line of text\n" * 40_000)  # 600 KB
    assert_refused_for_size(response, "file", too_big_message())
    assert not Document.objects.exists() and not DocumentVersion.objects.exists()
    assert stored_library_files() == before
    # The file streamed in up to the limit and no further.
    assert 0 < passed_on["memory"] <= LIMIT
    if memory_size == 1000:
        assert 0 < passed_on["temporary"] <= LIMIT
    else:
        assert passed_on["temporary"] == 0


@pytest.mark.django_db
def test_library_upload_far_over_the_limit_is_refused_before_any_byte_is_kept(
    client, alice, settings, passed_on
):
    settings.KH_UPLOAD_MAX_BYTES = LIMIT
    community = community_with(alice)
    client.force_login(alice)
    response = post_document(client, community, b"a" * (LIMIT + REQUEST_ALLOWANCE + 10_000))
    assert_refused_for_size(response, "file", too_big_message())
    assert passed_on["memory"] == 0 and passed_on["temporary"] == 0
    assert not Document.objects.exists()
    assert stored_library_files() == []


@pytest.mark.django_db
def test_library_upload_under_the_limit_still_works(client, alice, settings, passed_on):
    settings.KH_UPLOAD_MAX_BYTES = LIMIT
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000  # through a temporary file
    community = community_with(alice)
    client.force_login(alice)
    data = b"a line of text\n" * 6_000  # 90 KB
    response = post_document(client, community, data)
    assert response.status_code == 302
    version = DocumentVersion.objects.get()
    assert version.size == len(data)
    with version.file.open("rb") as handle:
        assert handle.read() == data
    assert passed_on["temporary"] == len(data)


@pytest.mark.django_db
def test_new_version_over_the_limit_is_refused(client, alice, settings, passed_on):
    community = community_with(alice)
    document = library_document(community, alice)
    settings.KH_UPLOAD_MAX_BYTES = LIMIT
    client.force_login(alice)
    response = client.post(
        reverse("library:version_create", kwargs={"slug": community.slug, "pk": document.pk}),
        {"file": SimpleUploadedFile("v2.txt", b"b" * (3 * LIMIT)), "note": "Bigger"},
    )
    assert_refused_for_size(response, "file", too_big_message())
    assert document.versions.count() == 1
    assert passed_on["memory"] <= LIMIT


def png_bytes(size: tuple[int, int]) -> bytes:
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def post_avatar(client, data: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        "/people/me/edit/",
        {
            "name": "Alice Adams",
            "job_title": "Policy officer",
            "profile_visibility": ProfileVisibility.PUBLIC,
            "avatar": SimpleUploadedFile("photo.png", data, content_type="image/png"),
        },
    )


@pytest.mark.django_db
def test_avatar_over_the_limit_is_refused_while_streaming(client, alice, settings, passed_on):
    settings.KH_UPLOAD_MAX_BYTES = LIMIT
    settings.AVATAR_MAX_BYTES = 50_000  # the avatar limit is below the general one
    client.force_login(alice)
    data = png_bytes((300, 300))
    assert len(data) > 2 * LIMIT
    response = post_avatar(client, data)
    assert_refused_for_size(
        response, "avatar", f"The photo must be smaller than {filesizeformat(50_000)}"
    )
    alice.refresh_from_db()
    assert not alice.avatar
    assert passed_on["memory"] <= LIMIT


@pytest.mark.django_db
def test_avatar_under_the_limit_still_works(client, alice, settings):
    settings.KH_UPLOAD_MAX_BYTES = LIMIT
    client.force_login(alice)
    response = post_avatar(client, png_bytes((40, 40)))
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.avatar


def multipart(fields: dict[str, str], name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "----khtestboundary7MA4YWxkTrZu0gW"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/plain\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [6 * LIMIT, LIMIT + REQUEST_ALLOWANCE + 10_000])
def test_over_a_real_connection_the_form_comes_back_with_its_error(
    live_server, client, alice, settings, size
):
    """The whole body is read and the page answered: no reset connection, whichever path."""
    settings.KH_UPLOAD_MAX_BYTES = LIMIT
    community = community_with(alice)
    client.force_login(alice)
    path = reverse("library:upload", kwargs={"slug": community.slug})
    host = live_server.thread.host, live_server.thread.port
    session = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    connection = http.client.HTTPConnection(*host, timeout=30)
    connection.request("GET", path, headers={"Cookie": session})
    page = connection.getresponse()
    html = page.read().decode()
    assert page.status == 200
    csrf_cookie = next(
        c.split(";")[0] for c in page.headers.get_all("Set-Cookie") or [] if "csrftoken" in c
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None

    body, content_type = multipart(
        {"csrfmiddlewaretoken": token.group(1), "title": "Notes", "audience": "public"},
        "notes.txt",
        b"x" * size,
    )
    connection.request(
        "POST",
        path,
        body=body,
        headers={"Cookie": f"{session}; {csrf_cookie}", "Content-Type": content_type},
    )
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    assert response.status == 200
    assert too_big_message() in text
    assert not Document.objects.exists()


def test_dataset_pages_take_bigger_files(settings) -> None:  # type: ignore[no-untyped-def]
    from knowledgehub.lib.upload_handlers import limit_for_path

    settings.KH_UPLOAD_MAX_BYTES = 1000
    settings.KH_UPLOAD_LIMITS_BY_PATH = {"/datasets/": 5000}
    assert limit_for_path("/datasets/new/") == 5000
    assert limit_for_path("/communities/x/library/upload/") == 1000
    assert limit_for_path("") == 1000
