"""Uploads: the checking pipeline, ``attachment_add`` and the download view (SECURITY.md §3, §1.4).

Every file is made here with Pillow or pikepdf; nothing binary is checked in.
"""

from __future__ import annotations

import hashlib
import io
import struct
import time
import uuid
import zlib
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import ExifTags, Image

from accounts import roles
from accounts.models import User
from applications import uploads
from applications.models import Application, Attachment
from applications.services import AttachmentRefused, attachment_add
from applications.uploads import UploadRejected, photo_problems, validate_and_normalise
from audit.models import AuditEvent
from offices.models import Office
from tests.accounts.factories import make_staff
from tests.applications.conftest import ServiceUnderTest, act, make_application, make_polda_supervisor
from tests.factories import UserFactory, sign_in_with_mfa

# --- making files -------------------------------------------------------------------------


def noisy(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """A picture with texture (a real photo is never uniform)."""
    channels = [Image.effect_noise(size, 60) for _i in range(3)]
    image = Image.merge("RGB", channels)
    return image.convert(mode)


def encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def jpeg_with_gps(size: tuple[int, int] = (600, 800)) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "KameraUji"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (6.0, 10.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (106.0, 49.0, 0.0)
    return encode(noisy(size), "JPEG", exif=exif, quality=95)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bomb_header(width: int = 50_000, height: int = 50_000) -> bytes:
    """A few hundred bytes that claim a 2.5-gigapixel image."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    )


def animated_png() -> bytes:
    frames = [noisy((100, 100)) for _i in range(3)]
    return encode(frames[0], "PNG", save_all=True, append_images=frames[1:])


def animated_gif() -> bytes:
    frames = [noisy((100, 100)).convert("P") for _i in range(3)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:])


def pdf_bytes(pages: int = 1, build: Any = None, **save: Any) -> bytes:
    pdf = pikepdf.new()
    for _i in range(pages):
        pdf.add_blank_page()
    if build is not None:
        build(pdf)
    out = io.BytesIO()
    pdf.save(out, **save)
    return out.getvalue()


def add_javascript(pdf: pikepdf.Pdf) -> None:
    action = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    )
    pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(Names=pikepdf.Array(["x", action])))


def add_open_action(pdf: pikepdf.Pdf) -> None:
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://evil.example/"))


def add_embedded_file(pdf: pikepdf.Pdf) -> None:
    pdf.attachments["payload.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ not really")


def upload(data: bytes, name: str = "file.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def draft(service: ServiceUnderTest, citizen: User) -> Application:
    return make_application(citizen)


# --- the pipeline: accepted and normalised ------------------------------------------------


def test_jpeg_is_reencoded_without_exif_or_gps() -> None:
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the input has GPS

    clean = validate_and_normalise(upload(original), kind="photo")

    assert clean.content_type == "image/jpeg"
    assert clean.extension == "jpg"
    assert (clean.width, clean.height) == (600, 800)
    stored = Image.open(io.BytesIO(clean.content))
    assert stored.format == "JPEG"
    assert not stored.getexif()
    assert b"KameraUji" not in clean.content
    assert clean.content != original


def test_png_with_appended_html_is_stored_without_it() -> None:
    payload = b"<html><script>alert(document.cookie)</script></html>"
    data = encode(noisy((300, 120)), "PNG") + payload

    clean = validate_and_normalise(upload(data, "ttd.png", "image/png"), kind="signature")

    assert clean.content_type == "image/png"
    assert b"<script" not in clean.content
    assert b"<html" not in clean.content
    Image.open(io.BytesIO(clean.content)).load()


def test_signature_jpeg_is_stored_as_png() -> None:
    clean = validate_and_normalise(upload(encode(noisy((300, 120)), "JPEG")), kind="signature")
    assert clean.content_type == "image/png"
    assert clean.content.startswith(b"\x89PNG")


def test_pdf_is_checked_and_rewritten_without_trailing_bytes() -> None:
    data = pdf_bytes(pages=2) + b"\n<script>alert(1)</script>"

    clean = validate_and_normalise(upload(data, "surat.pdf", "application/pdf"), kind="supporting")

    assert clean.content_type == "application/pdf"
    assert clean.width is None
    assert b"<script" not in clean.content
    with pikepdf.open(io.BytesIO(clean.content)) as pdf:
        assert len(pdf.pages) == 2


def test_type_comes_from_the_bytes_not_the_name() -> None:
    data = encode(noisy((300, 400)), "PNG")
    clean = validate_and_normalise(upload(data, "foto.jpg", "image/jpeg"), kind="supporting")
    assert clean.content_type == "image/png"


# --- the pipeline: refused ----------------------------------------------------------------

REJECTIONS: list[tuple[str, str, Any, str]] = [
    # (id, kind, file maker, expected code)
    ("too_large", "photo", lambda: upload(b"\xff\xd8\xff" + b"\0" * (6 * 1024 * 1024)), "too_large"),
    (
        "too_large_pdf",
        "supporting",
        lambda: upload(b"%PDF-" + b"\0" * (11 * 1024 * 1024), "a.pdf"),
        "too_large",
    ),
    ("pixel_bomb", "photo", lambda: upload(png_bomb_header(), "bom.png"), "too_many_pixels"),
    (
        "pixel_over_own_limit",
        "ktp_scan",
        lambda: upload(png_bomb_header(8000, 6000), "k.png"),
        "too_many_pixels",
    ),
    ("animated_png", "supporting", lambda: upload(animated_png(), "a.png"), "multi_frame"),
    ("animated_gif", "supporting", lambda: upload(animated_gif(), "a.jpg"), "unsupported_type"),
    ("tiff_as_jpg", "photo", lambda: upload(encode(noisy((600, 800)), "TIFF")), "unsupported_type"),
    (
        "eps_as_jpg",
        "photo",
        lambda: upload(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n"),
        "unsupported_type",
    ),
    (
        "html_as_pdf",
        "supporting",
        lambda: upload(b"<html><body>hi</body></html>", "a.pdf"),
        "unsupported_type",
    ),
    (
        "svg",
        "supporting",
        lambda: upload(b'<svg xmlns="http://www.w3.org/2000/svg"/>', "a.png"),
        "unsupported_type",
    ),
    (
        "php_name",
        "supporting",
        lambda: upload(encode(noisy((300, 400)), "PNG"), "a.jpg.php"),
        "unsupported_type",
    ),
    ("truncated_jpeg", "photo", lambda: upload(jpeg_with_gps()[:4000]), "corrupt"),
    ("pdf_for_photo", "photo", lambda: upload(pdf_bytes(), "foto.pdf"), "pdf_not_allowed"),
    (
        "pdf_javascript",
        "supporting",
        lambda: upload(pdf_bytes(build=add_javascript), "a.pdf"),
        "pdf_javascript",
    ),
    (
        "pdf_open_action",
        "supporting",
        lambda: upload(pdf_bytes(build=add_open_action), "a.pdf"),
        "pdf_auto_action",
    ),
    (
        "pdf_embedded",
        "ktp_scan",
        lambda: upload(pdf_bytes(build=add_embedded_file), "a.pdf"),
        "pdf_embedded_files",
    ),
    (
        "pdf_encrypted",
        "supporting",
        lambda: upload(pdf_bytes(encryption=pikepdf.Encryption(owner="o", user="u")), "a.pdf"),
        "pdf_encrypted",
    ),
    (
        "pdf_encrypted_empty_password",
        "supporting",
        lambda: upload(pdf_bytes(encryption=pikepdf.Encryption(owner="o", user="")), "a.pdf"),
        "pdf_encrypted",
    ),
    ("pdf_50_pages", "supporting", lambda: upload(pdf_bytes(pages=50), "a.pdf"), "pdf_too_many_pages"),
]


@pytest.mark.parametrize(
    ("kind", "make", "code"), [r[1:] for r in REJECTIONS], ids=[r[0] for r in REJECTIONS]
)
def test_rejected_quickly_with_its_code_and_nothing_stored(
    draft: Application, citizen: User, media_root: Path, kind: str, make: Any, code: str
) -> None:
    uploaded = make()
    started = time.perf_counter()
    with pytest.raises(UploadRejected) as refused:
        attachment_add(application_id=draft.pk, kind=kind, uploaded_file=uploaded, actor=citizen)
    elapsed = time.perf_counter() - started

    assert refused.value.code == code
    assert str(refused.value.message)
    assert elapsed < 2.0
    assert files_under(media_root) == []
    assert not Attachment.objects.exists()


def test_ten_thousand_page_pdf_is_refused_fast() -> None:
    data = pdf_bytes(pages=10_000)
    started = time.perf_counter()
    with pytest.raises(UploadRejected) as refused:
        validate_and_normalise(upload(data, "a.pdf"), kind="supporting")
    assert refused.value.code == "pdf_too_many_pages"
    assert time.perf_counter() - started < 2.0


# --- photo checks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "codes"),
    [
        (noisy((300, 400)), ["photo_too_small"]),
        (noisy((800, 600)), ["photo_landscape"]),
        (Image.new("RGB", (600, 800), (128, 128, 128)), ["photo_blank"]),
        (
            Image.new("RGB", (300, 200), (250, 250, 250)),
            ["photo_too_small", "photo_landscape", "photo_blank"],
        ),
        (noisy((600, 800)), []),
    ],
    ids=["small", "landscape", "uniform_grey", "all_three", "good"],
)
def test_photo_problems(image: Image.Image, codes: list[str]) -> None:
    assert photo_problems(image) == codes
    if not codes:
        return
    with pytest.raises(UploadRejected) as refused:
        validate_and_normalise(upload(encode(image, "JPEG")), kind="photo")
    assert refused.value.code == codes[0]
    assert list(refused.value.codes) == codes
    assert all(str(message) for _code, message in refused.value.problems)


def test_photo_checks_apply_to_photos_only() -> None:
    grey = encode(Image.new("RGB", (800, 600), (128, 128, 128)), "JPEG")
    assert validate_and_normalise(upload(grey), kind="ktp_scan").content_type == "image/jpeg"


# --- attachment_add -----------------------------------------------------------------------


def test_attachment_add_stores_under_a_generated_name(
    draft: Application, citizen: User, media_root: Path
) -> None:
    attachment = attachment_add(
        application_id=draft.pk,
        kind="photo",
        uploaded_file=upload(jpeg_with_gps(), "../../evil\u202egpj.php.jpg"),
        actor=citizen,
    )

    name = attachment.file.name
    parts = name.split("/")
    assert parts[0] == "attachments"
    assert len(parts) == 4
    stem, extension = parts[3].rsplit(".", 1)
    assert extension == "jpg"
    uuid.UUID(stem)
    assert "evil" not in name
    stored = (media_root / name).read_bytes()
    assert attachment.size == len(stored)
    assert attachment.content_type == "image/jpeg"
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest()
    event = AuditEvent.objects.get(action="attachment.added")
    assert event.details == {"kind": "photo", "sha256_prefix": attachment.sha256[:12]}


def test_a_new_photo_replaces_the_old_one_supporting_accumulate(
    draft: Application, citizen: User, media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = attachment_add(
            application_id=draft.pk, kind="photo", uploaded_file=upload(jpeg_with_gps()), actor=citizen
        )
    with django_capture_on_commit_callbacks(execute=True):
        second = attachment_add(
            application_id=draft.pk, kind="photo", uploaded_file=upload(jpeg_with_gps()), actor=citizen
        )
    for _i in range(2):
        attachment_add(
            application_id=draft.pk,
            kind="supporting",
            uploaded_file=upload(pdf_bytes(), "a.pdf"),
            actor=citizen,
        )

    assert list(draft.attachments.filter(kind="photo")) == [second]
    assert not (media_root / first.file.name).exists()
    assert (media_root / second.file.name).exists()
    assert draft.attachments.filter(kind="supporting").count() == 2


def test_attachment_add_refused_for_another_citizen(draft: Application, media_root: Path) -> None:
    with pytest.raises(AttachmentRefused) as refused:
        attachment_add(
            application_id=draft.pk, kind="photo", uploaded_file=upload(jpeg_with_gps()), actor=UserFactory()
        )
    assert refused.value.code == "not_your_application"
    assert files_under(media_root) == []


def test_attachment_add_refused_after_submit(
    draft: Application, citizen: User, samsat: Office, media_root: Path
) -> None:
    act(draft, "submit", citizen, office=samsat)
    with pytest.raises(AttachmentRefused) as refused:
        attachment_add(
            application_id=draft.pk, kind="photo", uploaded_file=upload(jpeg_with_gps()), actor=citizen
        )
    assert refused.value.code == "wrong_state"
    assert str(refused.value.message)
    assert files_under(media_root) == []


# --- download -----------------------------------------------------------------------------


@pytest.fixture
def submitted_ktp(draft: Application, citizen: User, samsat: Office, media_root: Path) -> Attachment:
    attachment = attachment_add(
        application_id=draft.pk, kind="ktp_scan", uploaded_file=upload(jpeg_with_gps()), actor=citizen
    )
    act(draft, "submit", citizen, office=samsat)
    return attachment


def get(client: Client, attachment: Attachment) -> Any:
    return client.get(reverse("applications:attachment_download", args=[attachment.public_id]))


def body(response: Any) -> bytes:
    # Consuming the stream closes the response (the test client's wrapper does it).
    return b"".join(response.streaming_content)


def test_owner_downloads_with_safe_headers(client: Client, citizen: User, submitted_ktp: Attachment) -> None:
    client.force_login(citizen)
    response = get(client, submitted_ktp)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="ktp_scan.jpg"'
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response["Cache-Control"]
    assert body(response) == submitted_ktp.file.read()
    submitted_ktp.file.close()
    assert not AuditEvent.objects.filter(action="pii.revealed").exists()


def test_other_citizen_gets_404(client: Client, submitted_ktp: Attachment) -> None:
    client.force_login(UserFactory())
    assert get(client, submitted_ktp).status_code == 404


def test_unknown_id_gets_404(client: Client, citizen: User, media_root: Path) -> None:
    client.force_login(citizen)
    response = client.get(reverse("applications:attachment_download", args=[uuid.uuid4()]))
    assert response.status_code == 404


def test_anonymous_is_sent_to_sign_in(client: Client, submitted_ktp: Attachment) -> None:
    response = get(client, submitted_ktp)
    assert response.status_code == 302


@pytest.mark.parametrize("who", ["officer", "polda_supervisor"])
def test_staff_of_the_handling_office_download_and_ktp_is_audited(
    client: Client, officer: User, samsat: Office, submitted_ktp: Attachment, who: str
) -> None:
    staff = officer if who == "officer" else make_polda_supervisor(samsat)
    sign_in_with_mfa(client, staff)

    response = get(client, submitted_ktp)

    assert response.status_code == 200
    body(response)
    event = AuditEvent.objects.get(action="pii.revealed")
    assert event.actor_id == staff.pk
    assert event.object_id == str(submitted_ktp.public_id)


def test_staff_of_another_office_gets_404(client: Client, submitted_ktp: Attachment) -> None:
    other = make_staff(roles.SUPERVISOR)  # a supervisor, but of another office
    sign_in_with_mfa(client, other)
    assert get(client, submitted_ktp).status_code == 404
    assert not AuditEvent.objects.filter(action="pii.revealed").exists()


def test_media_files_have_no_url(client: Client, citizen: User, submitted_ktp: Attachment) -> None:
    client.force_login(citizen)
    assert client.get(f"/media/{submitted_ktp.file.name}").status_code == 404
    assert client.get(f"/{submitted_ktp.file.name}").status_code == 404


def test_download_refuses_post(client: Client, citizen: User, submitted_ktp: Attachment) -> None:
    client.force_login(citizen)
    assert get(client, submitted_ktp).status_code == 200
    url = reverse("applications:attachment_download", args=[submitted_ktp.public_id])
    assert client.post(url).status_code in (403, 405)


def test_uploads_module_names_every_message() -> None:
    assert set(uploads.MESSAGES) >= {
        "too_large",
        "unsupported_type",
        "too_many_pixels",
        "multi_frame",
        "corrupt",
        "pdf_javascript",
        "pdf_auto_action",
        "pdf_embedded_files",
        "pdf_encrypted",
        "pdf_too_many_pages",
        "pdf_not_allowed",
    }


def test_a_truncated_image_is_refused_even_after_weasyprint_loosened_pillow(
    service: ServiceUnderTest,
) -> None:
    import weasyprint  # noqa: F401 - importing it sets Pillow's LOAD_TRUNCATED_IMAGES
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    with pytest.raises(UploadRejected) as rejected:
        validate_and_normalise(upload(jpeg_with_gps()[:4000]), kind="supporting")
    assert rejected.value.code == "corrupt"


def test_the_same_pdf_uploaded_twice_is_stored_as_the_same_bytes() -> None:
    # The re-saved PDF's /ID comes from its content, not the clock: the same document sent for
    # many applicants keeps one hash (supervision's shared-file signal depends on it).
    data = pdf_bytes(pages=1)
    first = validate_and_normalise(upload(data, "surat.pdf", "application/pdf"), kind="supporting")
    time.sleep(1.1)  # a clock-derived /ID would differ now
    second = validate_and_normalise(upload(data, "surat.pdf", "application/pdf"), kind="supporting")

    assert first.sha256 == second.sha256
    assert first.content == second.content
