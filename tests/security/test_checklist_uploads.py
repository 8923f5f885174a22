"""SECURITY.md §8 items 18 and 20, the parts tests/applications/test_uploads.py does not try:

* 18 — the dangerous files are refused within 1 second each (that module allows 2), and no
  Ghostscript can run: Pillow's EPS plugin is never even consulted, and no process is started.
* 20 — through the real upload page over HTTP: 11 and 101 files in one request are a 400
  (Django's ``DATA_UPLOAD_MAX_NUMBER_FILES``), an oversize file is refused, and a path-traversal
  file name writes nothing outside MEDIA_ROOT.
"""

from __future__ import annotations

import io
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import EpsImagePlugin, Image

from accounts.models import User
from applications.models import Application, Attachment
from applications.uploads import UploadRejected, validate_and_normalise
from tests.applications import conftest as applications_conftest
from tests.applications.conftest import ServiceUnderTest, make_application
from tests.applications.test_uploads import animated_gif, encode, jpeg_with_gps, noisy, png_bomb_header

pytestmark = pytest.mark.django_db

# The applications tests' fixtures (pytest finds fixtures by name in the module).
service = applications_conftest.service
citizen = applications_conftest.citizen

EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n0 0 moveto 10 10 lineto stroke\nshowpage\n"


def upload(data: bytes, name: str, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- item 18 ----------------------------------------------------------------------------------

DANGEROUS: list[tuple[str, Any, str]] = [
    ("pixel bomb PNG", lambda: upload(png_bomb_header(), "bom.png", "image/png"), "too_many_pixels"),
    ("multi-frame GIF", lambda: upload(animated_gif(), "a.jpg"), "unsupported_type"),
    ("EPS renamed .jpg", lambda: upload(EPS, "foto.jpg"), "unsupported_type"),
    ("EPS as .eps", lambda: upload(EPS, "foto.eps", "application/postscript"), "unsupported_type"),
    ("TIFF renamed .jpg", lambda: upload(encode(noisy((600, 800)), "TIFF"), "foto.jpg"), "unsupported_type"),
    ("truncated JPEG", lambda: upload(jpeg_with_gps()[:4000], "foto.jpg"), "corrupt"),
]


class Spy:
    """Records every process started and every time Pillow's EPS plugin is asked to parse."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.processes: list[Any] = []
        self.eps_parsed = 0
        real_popen_init = subprocess.Popen.__init__
        real_eps_open = EpsImagePlugin.EpsImageFile._open
        spy = self

        def popen_init(popen: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
            spy.processes.append(args)
            real_popen_init(popen, args, *rest, **kwargs)

        def eps_open(image: EpsImagePlugin.EpsImageFile) -> None:
            spy.eps_parsed += 1
            real_eps_open(image)

        monkeypatch.setattr(subprocess.Popen, "__init__", popen_init)
        monkeypatch.setattr(EpsImagePlugin.EpsImageFile, "_open", eps_open)


def test_the_spy_sees_processes_and_eps_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: without the upload checks in front, Pillow does parse the EPS (and would hand
    it to Ghostscript on ``load()``), and a started process is seen."""
    spy = Spy(monkeypatch)
    with Image.open(io.BytesIO(EPS)) as image:
        assert image.format == "EPS"
    assert spy.eps_parsed == 1
    subprocess.run(["true"], check=True)
    assert spy.processes == [["true"]]


@pytest.mark.parametrize(("make", "code"), [d[1:] for d in DANGEROUS], ids=[d[0] for d in DANGEROUS])
@pytest.mark.parametrize("kind", ["photo", "ktp_scan", "supporting"])
def test_dangerous_files_are_refused_within_a_second_and_start_nothing(
    monkeypatch: pytest.MonkeyPatch, make: Any, code: str, kind: str
) -> None:
    uploaded = make()
    spy = Spy(monkeypatch)
    started = time.perf_counter()
    with pytest.raises(UploadRejected) as refused:
        validate_and_normalise(uploaded, kind=kind)
    elapsed = time.perf_counter() - started
    assert refused.value.code == code
    assert elapsed < 1.0, elapsed
    assert spy.processes == []
    assert spy.eps_parsed == 0


# --- item 20, over HTTP -----------------------------------------------------------------------


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def draft(service: ServiceUnderTest, citizen: User) -> Application:
    return make_application(citizen)


def documents_url(application: Application) -> str:
    return reverse("applications:documents", args=[application.public_id])


def everything_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def photo() -> bytes:
    return encode(noisy((600, 800)), "JPEG")


@pytest.mark.parametrize("count", [11, 101])
def test_too_many_files_in_one_request_is_a_400_and_stores_nothing(
    client: Client, citizen: User, draft: Application, media_root: Path, tmp_path: Path, count: int
) -> None:
    client.force_login(citizen)
    data = photo()
    files = [upload(data, f"foto{n}.jpg") for n in range(count)]
    response = client.post(documents_url(draft), {"kind": "supporting", "file": files})
    assert response.status_code == 400
    assert not Attachment.objects.exists()
    assert everything_under(tmp_path) == []
    # The control: the same page takes one such file.
    response = client.post(documents_url(draft), {"kind": "supporting", "file": upload(photo(), "foto.jpg")})
    assert response.status_code == 302
    assert Attachment.objects.count() == 1


def test_an_oversize_file_over_http_is_refused_and_stores_nothing(
    client: Client, citizen: User, draft: Application, media_root: Path, tmp_path: Path
) -> None:
    client.force_login(citizen)
    big = b"\xff\xd8\xff" + b"\0" * (6 * 1024 * 1024)  # 6 MB; photos may be 5 MB
    response = client.post(documents_url(draft), {"kind": "photo", "file": upload(big, "besar.jpg")})
    assert response.status_code == 200  # the page again, the error on the file field
    form = next(f for f in response.context["upload_forms"] if f.document_kind == "photo")
    assert form.errors["file"]
    assert not Attachment.objects.exists()
    assert everything_under(tmp_path) == []


@pytest.mark.parametrize(
    "name",
    [
        "../../../../outside.jpg",
        "..\\..\\..\\outside.jpg",
        "/etc/cron.d/outside.jpg",
        "%2e%2e%2f%2e%2e%2foutside.jpg",
        "foto\u202egpj.php.jpg",
    ],
)
def test_a_path_traversal_file_name_writes_only_under_media_root_with_a_generated_name(
    client: Client, citizen: User, draft: Application, media_root: Path, tmp_path: Path, name: str
) -> None:
    client.force_login(citizen)
    response = client.post(documents_url(draft), {"kind": "photo", "file": upload(photo(), name)})
    assert response.status_code == 302
    attachment = Attachment.objects.get(application=draft)
    stored = str(attachment.file.name)
    written = everything_under(tmp_path)
    assert written == [media_root / stored]
    assert all(media_root in path.parents for path in written)
    assert "outside" not in stored
    assert "php" not in stored
