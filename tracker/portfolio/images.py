"""Uploaded project images (charts, confusion matrices, plots): checked, then rebuilt.

Django's ``ImageField`` only asks whether Pillow can open a file, so it accepts a PNG with
HTML appended, a 17 KB file that declares 144 megapixels, and BMP. ``process_image``
refuses what we will not serve and re-encodes the rest from its decoded pixels alone:
metadata (EXIF with a GPS location, ICC profiles, text chunks, comments) and anything
appended after the image data do not survive.
"""

import io
import math
import struct
import warnings
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from PIL import Image, ImageOps

# Limits whose worst case was measured (docs/reliability.md, scripts/upload_stress.py):
# the largest image of each format takes a server process under a second of CPU and
# about 100 MB above its usual size. 13 megapixels takes a 12-megapixel phone photo.
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 13_000_000
# WebP decodes through libwebp's animation decoder, which holds two full-size canvases
# beside Pillow's own copy: about 16 bytes a pixel at the peak, where PNG and JPEG take 4-7.
MAX_PIXELS_WEBP = 6_000_000
ALLOWED_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
THUMBNAIL_SIZE = (640, 640)  # fit within, keep aspect ratio
_THUMBNAIL_OPTIONS: dict[str, Any] = {"quality": 80}

# Phone cameras often write a JPEG with a second, preview image appended (MPF); Pillow
# names that MPO. Its first frame is a plain JPEG, so refusing it would refuse phone photos.
_FORMAT_ALIASES = {"MPO": "JPEG"}

# Chosen by size against CPU time on charts and photos (docs/reliability.md): zlib level 2
# costs a quarter of level 6 on photo-like PNGs; progressive JPEG tripled the encoding
# time for 5% less; WebP method 2 comes within 6% of method 4's size in 35-70% of the time.
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "PNG": {"compress_level": 2},
    "JPEG": {"quality": 85, "optimize": True},
    "WEBP": {"quality": 85, "method": 2},
}

# Pillow's plugins raise all of these on files they cannot parse or decode.
_UNREADABLE = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)


@dataclass(frozen=True)
class ProcessedImage:
    content: ContentFile  # the re-encoded image, named f"{uuid4().hex}.{ext}"
    thumbnail: ContentFile  # a WebP thumbnail, named f"{same uuid}-thumb.webp"
    format: str  # "PNG" | "JPEG" | "WEBP"
    width: int
    height: int


def process_image(upload: File) -> ProcessedImage:
    """Check an uploaded image and return it re-encoded, with a WebP thumbnail.

    Refuses, with a ``ValidationError`` whose message can be shown to the user: files over
    ``MAX_BYTES``; anything Pillow cannot open or fully decode; formats other than PNG,
    JPEG and WebP (judged by the decoded data, not the name or content type); and images
    over their format's ``pixel_limit``, checked from the header before any pixel is decoded.

    The result keeps the upload's format and its first frame only, turned upright as its
    EXIF orientation says, with no metadata. File names are random, never the upload's.
    """
    if upload.size > MAX_BYTES:
        raise _too_large()
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:  # the declared size understated it
        raise _too_large()

    with warnings.catch_warnings():
        # Pillow's own decompression-bomb warning refuses the image, without changing
        # Image.MAX_IMAGE_PIXELS or the warning filters outside this call.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image, image_format = _decode(data)
    del data  # the upload's bytes are no longer needed: free them before encoding
    width, height = image.size
    content = _encode(image, image_format, **_SAVE_OPTIONS[image_format])
    # The thumbnail shrinks these same pixels once the full image is encoded, so a large
    # upload is never held twice (Image.thumbnail reduces by whole factors first: cheap).
    image.thumbnail(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    thumbnail = _encode(image, "WEBP", **_THUMBNAIL_OPTIONS)

    stem = uuid4().hex
    return ProcessedImage(
        content=ContentFile(content, name=f"{stem}.{ALLOWED_FORMATS[image_format]}"),
        thumbnail=ContentFile(thumbnail, name=f"{stem}-thumb.webp"),
        format=image_format,
        width=width,
        height=height,
    )


def _open(data: bytes) -> Image.Image:
    """Read the header only; no pixel is decoded yet."""
    try:
        with warnings.catch_warnings():
            # Pillow warns here, before we could learn the size, about images we refuse
            # anyway; _check_pixels applies its limit too and says how big the image is.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:  # over twice Pillow's limit: it gives no size
        raise ValidationError(
            "The image has far too many pixels; the limit is %(limit)s megapixels.",
            code="too_many_pixels",
            params={"limit": _megapixels(MAX_PIXELS)},
        ) from None
    except _UNREADABLE:
        raise _not_an_image() from None


def _check_format(image: Image.Image) -> str:
    image_format = _FORMAT_ALIASES.get(image.format or "", image.format or "")
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            "Upload a PNG, JPEG or WebP image (this one is %(format)s).",
            code="unsupported_format",
            params={"format": image.format},  # always set by Image.open
        )
    return image_format


def pixel_limit(image_format: str) -> int:
    """The most pixels an image in this format may have."""
    return MAX_PIXELS_WEBP if image_format == "WEBP" else MAX_PIXELS


def _check_pixels(image: Image.Image, image_format: str) -> None:
    limit = pixel_limit(image_format)
    if Image.MAX_IMAGE_PIXELS is not None:  # a stricter global setting wins
        limit = min(limit, Image.MAX_IMAGE_PIXELS)
    pixels = image.width * image.height
    if pixels > limit:
        raise ValidationError(
            "The image is %(pixels)s megapixels; the limit is %(limit)s.",
            code="too_many_pixels",
            params={"pixels": math.ceil(pixels / 1_000_000), "limit": _megapixels(limit)},
        )


def _decode(data: bytes) -> tuple[Image.Image, str]:
    """The first frame's pixels, upright, in a mode the encoder takes, with no metadata.

    Works on the decoded image itself: turning it upright and changing its mode are the
    only steps that copy it, and only when the upload needs them.
    """
    with _open(data) as image:
        image_format = _check_format(image)
        _check_pixels(image, image_format)
        try:
            image.load()
            ImageOps.exif_transpose(image, in_place=True)
            pixels: Image.Image = image
            if pixels.mode.startswith("I;16"):
                # 16-bit greyscale: convert() would clip nearly every pixel to white.
                pixels = pixels.convert("I").point(lambda value: value / 256)
            if image_format == "JPEG":
                mode = "RGB"
            else:
                mode = "RGBA" if pixels.has_transparency_data else "RGB"
            if pixels.mode != mode:
                pixels = pixels.convert(mode)
            elif image_format == "WEBP":
                # libwebp's decoder keeps two canvases of the full size for as long as the
                # file object lives: a copy lets them go before the encoder needs memory.
                pixels = pixels.copy()
        except (*_UNREADABLE, Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _not_an_image() from None
    # Encoders read some metadata from here (PNG: the ICC profile; JPEG: the comment).
    pixels.info = {}
    return pixels, image_format


def _encode(image: Image.Image, image_format: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:g}"


def _too_large() -> ValidationError:
    return ValidationError(
        "The image is larger than %(limit)s MB.",
        code="too_large",
        params={"limit": MAX_BYTES // (1024 * 1024)},
    )


def _not_an_image() -> ValidationError:
    return ValidationError(
        "This file is not an image we can read. Upload a PNG, JPEG or WebP file.",
        code="not_an_image",
    )
