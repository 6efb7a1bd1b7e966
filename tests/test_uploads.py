"""Uploaded files stay in memory (config/uploads.py): no temporary file, whatever happens."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory

from config.uploads import MemoryUploadHandler
from tracker.account import format as export_format
from tracker.portfolio import images

LIMIT = 5 * 1024 * 1024


@pytest.fixture
def temp_dir(tmp_path: Path, settings: Any) -> Path:
    """Where Django's own handlers would write an upload's temporary file."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    return tmp_path / "uploads"


def parse(*files: tuple[str, bytes]) -> list[InMemoryUploadedFile]:
    """The files of a multipart request, as the handler hands them to a form."""
    request = RequestFactory().post(
        "/", {"file": [SimpleUploadedFile(name, content) for name, content in files]}
    )
    parser = MultiPartParser(request.META, request, [MemoryUploadHandler(request)], "utf-8")
    _, parsed = parser.parse()
    return parsed.getlist("file")


def test_it_keeps_a_file_larger_than_djangos_memory_threshold_in_memory(
    temp_dir: Path, settings: Any
) -> None:
    content = bytes(range(256)) * (4 * 1024 * 1024 // 256)  # 4 MB, over Django's 2.5 MB
    assert len(content) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE

    (upload,) = parse(("chart.png", content))

    assert isinstance(upload, InMemoryUploadedFile)
    assert upload.size == len(content)
    assert upload.read() == content
    assert not any(temp_dir.iterdir())


def test_it_keeps_only_the_first_bytes_of_a_file_over_the_limit_and_its_true_size(
    temp_dir: Path,
) -> None:
    content = b"\x89PNG" + b"\0" * (LIMIT + 1_000_000)

    (upload,) = parse(("huge.png", content))

    assert upload.size == len(content)
    kept = upload.read()
    assert len(kept) == LIMIT + 1
    assert kept == content[: LIMIT + 1]
    assert not any(temp_dir.iterdir())


def test_it_caps_every_file_of_a_request_on_its_own(temp_dir: Path) -> None:
    small, big = b"a" * 1000, b"b" * (LIMIT + 10)

    uploads = parse(("a.png", small), ("b.png", big), ("c.png", small))

    assert [u.size for u in uploads] == [1000, LIMIT + 10, 1000]
    assert [len(u.read()) for u in uploads] == [1000, LIMIT + 1, 1000]


def test_every_upload_form_refuses_files_before_the_handler_would_cut_them(
    settings: Any,
) -> None:
    assert settings.FILE_UPLOAD_HANDLERS == ["config.uploads.MemoryUploadHandler"]
    assert images.MAX_BYTES <= settings.UPLOAD_MAX_FILE_BYTES
    assert export_format.MAX_IMPORT_BYTES <= settings.UPLOAD_MAX_FILE_BYTES
