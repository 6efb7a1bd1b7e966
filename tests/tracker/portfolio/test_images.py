"""Uploaded images: what is refused, and what survives re-encoding. Every file is built here."""

import io
import re
import struct
import time
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from tracker.portfolio import images
from tracker.portfolio.images import MAX_BYTES, ProcessedImage, process_image

NOT_AN_IMAGE = "This file is not an image we can read. Upload a PNG, JPEG or WebP file."
GPS_INFO, MAKE, ORIENTATION = 0x8825, 0x010F, 0x0112


def encode(image: Image.Image, image_format: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def upload(data: bytes, name: str = "chart.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def chart(size: tuple[int, int] = (1200, 800), mode: str = "RGB") -> Image.Image:
    """A gradient, so lossy encoders have something to work on."""
    width, height = size
    image = Image.linear_gradient("L").resize(size).convert(mode)
    image.putpixel((width - 1, height - 1), (255,) * len(mode))
    return image


def refusal(file: File) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        process_image(file)
    return caught.value


def pixel(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    value = image.getpixel(xy)
    assert isinstance(value, tuple)
    return value


def reopen(content: File) -> Image.Image:
    content.seek(0)
    image = Image.open(io.BytesIO(content.read()))
    image.load()
    return image


def png_bomb(width: int, height: int) -> bytes:
    """A valid, all-black, 1-bit PNG: 12000×12000 of them compresses to about 17 KB.

    Written by hand, because Pillow would need the whole image in memory to save it.
    """

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    compressor = zlib.compressobj(9)
    row = bytes(1 + (width + 7) // 8)  # filter type 0, then the packed pixels
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("image_format", "extension", "mode"),
    [("PNG", "png", "RGB"), ("JPEG", "jpg", "RGB"), ("WEBP", "webp", "RGB")],
)
def test_it_accepts_png_jpeg_and_webp(image_format: str, extension: str, mode: str) -> None:
    result = process_image(upload(encode(chart(), image_format), name=f"plot.{extension}"))

    assert isinstance(result, ProcessedImage)
    assert (result.format, result.width, result.height) == (image_format, 1200, 800)
    image = reopen(result.content)
    assert (image.format, image.size, image.mode) == (image_format, (1200, 800), mode)
    thumbnail = reopen(result.thumbnail)
    assert thumbnail.format == "WEBP"
    assert thumbnail.size == (640, 427)  # fits within 640×640, same aspect ratio


def test_it_names_files_randomly_not_after_the_upload() -> None:
    data = encode(chart((50, 50)), "PNG")
    first = process_image(upload(data, name="../../etc/passwd.png"))
    second = process_image(upload(data, name="../../etc/passwd.png"))

    match = re.fullmatch(r"([0-9a-f]{32})\.png", first.content.name or "")
    assert match
    assert first.thumbnail.name == f"{match[1]}-thumb.webp"
    assert first.content.name != second.content.name
    assert first.thumbnail.name != second.thumbnail.name


def test_it_makes_small_images_a_thumbnail_without_enlarging_them() -> None:
    result = process_image(upload(encode(chart((300, 100)), "PNG")))

    assert reopen(result.thumbnail).size == (300, 100)


def test_it_refuses_a_text_file_named_like_an_image() -> None:
    error = refusal(upload(b"name,accuracy\nbaseline,0.81\n", name="chart.png"))

    assert error.messages == [NOT_AN_IMAGE]
    assert error.code == "not_an_image"


def test_it_refuses_an_empty_file() -> None:
    assert refusal(upload(b"")).messages == [NOT_AN_IMAGE]


def test_it_refuses_a_file_over_5_mb() -> None:
    data = encode(chart((50, 50)), "PNG")
    data += b"\0" * (MAX_BYTES + 1 - len(data))

    error = refusal(upload(data))

    assert error.messages == ["The image is larger than 5 MB."]
    assert error.code == "too_large"


def test_it_checks_the_size_before_reading_the_file() -> None:
    class Unreadable(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise AssertionError("the file was read")

    file = File(Unreadable(), name="chart.png")
    file.size = MAX_BYTES + 1

    assert refusal(file).messages == ["The image is larger than 5 MB."]


def test_it_does_not_trust_a_declared_size_that_is_too_small() -> None:
    file = upload(b"\0" * (MAX_BYTES + 1))
    file.size = 1000

    assert refusal(file).messages == ["The image is larger than 5 MB."]


def test_it_refuses_a_tiny_file_declaring_144_megapixels_without_decoding_it() -> None:
    data = png_bomb(12_000, 12_000)
    assert len(data) < 20_000

    started = time.perf_counter()
    error = refusal(upload(data))
    elapsed = time.perf_counter() - started

    assert error.messages == ["The image is 144 megapixels; the limit is 13."]
    assert error.code == "too_many_pixels"
    assert elapsed < 1


def test_it_refuses_just_over_13_megapixels() -> None:
    error = refusal(upload(png_bomb(3_606, 3_606)))

    assert error.messages == ["The image is 14 megapixels; the limit is 13."]


def test_it_holds_webp_to_its_own_lower_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "MAX_PIXELS_WEBP", 5_000)  # the real one: 6 megapixels
    chart_100 = chart((100, 100))

    error = refusal(upload(encode(chart_100, "WEBP"), name="chart.webp"))

    assert error.messages == ["The image is 1 megapixels; the limit is 0.005."]
    assert process_image(upload(encode(chart_100, "PNG"))).format == "PNG"


def test_it_refuses_an_image_pillow_itself_calls_a_decompression_bomb() -> None:
    error = refusal(upload(png_bomb(20_000, 20_000)))  # over twice Pillow's limit

    assert error.messages == ["The image has far too many pixels; the limit is 13 megapixels."]


def test_it_applies_a_stricter_pillow_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 6_000)  # warns past 6,000, fails past 12,000

    error = refusal(upload(encode(chart((100, 100)), "PNG")))

    assert error.messages == ["The image is 1 megapixels; the limit is 0.006."]


@pytest.mark.parametrize("image_format", ["BMP", "GIF", "TIFF"])
def test_it_refuses_other_formats_and_names_them(image_format: str) -> None:
    error = refusal(upload(encode(chart((50, 50)), image_format), name="chart.png"))

    assert error.messages == [f"Upload a PNG, JPEG or WebP image (this one is {image_format})."]
    assert error.code == "unsupported_format"


def test_it_removes_exif_with_a_gps_location() -> None:
    exif = Image.Exif()
    exif[MAKE] = "PhoneCo"
    exif[GPS_INFO] = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}
    data = encode(chart((60, 40)), "JPEG", exif=exif, comment=b"PhoneCo comment")
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_INFO)  # the test file has it

    result = process_image(upload(data, name="photo.jpg"))

    image = reopen(result.content)
    assert image.info.get("exif") is None
    assert dict(image.getexif()) == {}
    assert "comment" not in image.info
    result.content.seek(0)
    assert b"PhoneCo" not in result.content.read()


def test_it_removes_png_text_chunks_and_icc_profiles() -> None:
    text = PngInfo()
    text.add_text("Comment", "<script>alert(1)</script>")
    data = encode(chart((60, 40)), "PNG", pnginfo=text, icc_profile=b"fake icc profile")

    result = process_image(upload(data))

    image = reopen(result.content)
    assert "Comment" not in image.info
    assert "icc_profile" not in image.info


def test_it_drops_a_payload_appended_after_the_image() -> None:
    payload = b"<script>alert(1)</script>"
    data = encode(chart((60, 40)), "PNG") + payload

    result = process_image(upload(data))

    result.content.seek(0)
    assert payload not in result.content.read()
    assert reopen(result.content).size == (60, 40)


def test_it_turns_a_phone_photo_upright() -> None:
    photo = Image.new("RGB", (40, 20), "red")
    photo.paste("blue", (20, 0, 40, 20))  # left half red, right half blue
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # the camera was turned: rotate 90° clockwise to display
    data = encode(photo, "JPEG", exif=exif)

    result = process_image(upload(data, name="photo.jpg"))

    assert (result.width, result.height) == (20, 40)
    image = reopen(result.content)
    assert image.size == (20, 40)
    red, _, blue = pixel(image, (10, 5))
    assert red > 200 and blue < 60  # the left half is now on top
    assert ORIENTATION not in image.getexif()  # so it is not turned a second time


def test_it_refuses_a_truncated_png() -> None:
    data = encode(chart((200, 200)).effect_spread(20), "PNG")

    assert refusal(upload(data[: len(data) // 2])).messages == [NOT_AN_IMAGE]


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_it_keeps_only_the_first_frame_of_an_animation(image_format: str) -> None:
    frames = [Image.new("RGB", (30, 30), colour) for colour in ("red", "blue", "green")]
    data = encode(frames[0], image_format, save_all=True, append_images=frames[1:])
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 3

    result = process_image(upload(data))

    image = reopen(result.content)
    assert getattr(image, "n_frames", 1) == 1
    red, green, blue = pixel(image, (15, 15))[:3]
    assert red > 200 and green < 60 and blue < 60


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_it_keeps_transparency(image_format: str, mode: str) -> None:
    image = Image.new("RGBA", (30, 30), (255, 0, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 15, 30))  # left half transparent
    # "P": a palette with a transparent entry.
    image = image.quantize(colors=4) if mode == "P" else image.convert(mode)
    assert image.has_transparency_data

    result = process_image(upload(encode(image, image_format)))

    processed = reopen(result.content)
    assert processed.mode == "RGBA"
    assert pixel(processed, (5, 15))[3] == 0
    assert pixel(processed, (25, 15))[3] == 255


def test_it_converts_a_cmyk_jpeg_to_rgb() -> None:
    result = process_image(upload(encode(chart((40, 40), "CMYK"), "JPEG"), name="scan.jpg"))

    assert reopen(result.content).mode == "RGB"


def test_it_accepts_a_phone_jpeg_with_a_preview_image_as_jpeg() -> None:
    data = encode(chart((80, 60)), "MPO", save_all=True, append_images=[chart((40, 30))])
    assert Image.open(io.BytesIO(data)).format == "MPO"

    result = process_image(upload(data, name="photo.jpg"))

    assert result.format == "JPEG"
    assert (result.content.name or "").endswith(".jpg")
    image = reopen(result.content)
    assert (image.format, image.size) == ("JPEG", (80, 60))
    assert getattr(image, "n_frames", 1) == 1


def test_it_scales_16_bit_greyscale_instead_of_clipping_it_to_white() -> None:
    image = Image.new("I;16", (2, 1))
    image.putpixel((0, 0), 32_768)  # mid grey
    image.putpixel((1, 0), 65_535)

    result = process_image(upload(encode(image, "PNG")))

    assert pixel(reopen(result.content), (0, 0)) == (128, 128, 128)


def test_it_removes_exif_icc_and_xmp_from_a_webp() -> None:
    exif = Image.Exif()
    exif[MAKE] = "PhoneCo"
    exif[GPS_INFO] = {1: "N", 2: (51.0, 30.0, 26.0)}
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">PhoneCo</x:xmpmeta>'
    data = encode(chart((60, 40)), "WEBP", exif=exif, icc_profile=b"PhoneCo icc", xmp=xmp)
    assert {"exif", "icc_profile", "xmp"} <= set(Image.open(io.BytesIO(data)).info)

    result = process_image(upload(data, name="photo.webp"))

    image = reopen(result.content)
    assert not {"exif", "icc_profile", "xmp"} & set(image.info)
    result.content.seek(0)
    assert b"PhoneCo" not in result.content.read()


def test_it_shrinks_a_large_image_to_a_thumbnail_of_the_same_shape() -> None:
    result = process_image(upload(encode(chart((2000, 500)), "PNG")))

    assert (result.width, result.height) == (2000, 500)
    assert reopen(result.content).size == (2000, 500)
    assert reopen(result.thumbnail).size == (640, 160)


def test_it_makes_the_thumbnail_of_a_phone_photo_upright_too() -> None:
    photo = Image.new("RGB", (1600, 800), "red")
    photo.paste("blue", (800, 0, 1600, 800))  # left half red, right half blue
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # rotate 90° clockwise to display
    data = encode(photo, "JPEG", exif=exif)

    result = process_image(upload(data, name="photo.jpg"))

    assert (result.width, result.height) == (800, 1600)
    thumbnail = reopen(result.thumbnail)
    assert thumbnail.size == (320, 640)
    red, _, blue = pixel(thumbnail, (160, 100))
    assert red > 200 and blue < 60  # the left half is on top, as in the full image
    red, _, blue = pixel(thumbnail, (160, 540))
    assert blue > 200 and red < 60
