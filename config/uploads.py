"""Uploaded files stay in memory: no temporary file is ever written for one.

Django's own handlers write an upload larger than ``FILE_UPLOAD_MAX_MEMORY_SIZE`` to a
temporary file and delete it when the request ends, which never happens for a worker that
gunicorn kills on its timeout: the file stays. This handler keeps every file in memory,
and at most ``UPLOAD_MAX_FILE_BYTES + 1`` bytes of each: a form then sees a larger file's
true ``size``, refuses it as too large, and the bytes past that are read and dropped as
they arrive. So a request holds at most ``DATA_UPLOAD_MAX_NUMBER_FILES`` such files in
memory, and a form that accepts larger files than ``UPLOAD_MAX_FILE_BYTES`` would get
them cut short: keep every form's limit within it (``tests/test_uploads.py`` checks).
"""

from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class MemoryUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().new_file(*args, **kwargs)
        self.file = BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        room = settings.UPLOAD_MAX_FILE_BYTES + 1 - start
        if room > 0:
            self.file.write(raw_data[:room])

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.file.seek(0)
        return InMemoryUploadedFile(
            file=self.file,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,  # every byte received, including those dropped
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
