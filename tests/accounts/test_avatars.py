import io
import struct
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from townhall.accounts.services import avatar_set
from townhall.errors import DomainError


def upload(data, name="a.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def jpeg_with_exif():
    image = Image.new("RGB", (600, 300), "blue")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # GPS latitude
    buf = io.BytesIO()
    image.save(buf, format="JPEG", exif=exif)
    return buf.getvalue()


def png_bomb(width=60000, height=60000):
    """A tiny PNG that declares a huge canvas (a decompression bomb)."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def test_reencoded_square_without_metadata(person):
    data = jpeg_with_exif()
    assert b"SpyCam" in data
    avatar_set(account=person, actor=person, upload=upload(data))
    with default_storage.open(person.avatar) as f:
        stored = f.read()
    assert b"SpyCam" not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.format == "WEBP"
    assert image.size == (400, 400)
    assert not image.getexif()


def test_replacing_deletes_the_old_file(person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        avatar_set(account=person, actor=person, upload=upload(jpeg_with_exif()))
    first = person.avatar
    with django_capture_on_commit_callbacks(execute=True):
        avatar_set(account=person, actor=person, upload=upload(jpeg_with_exif()))
    assert person.avatar != first
    assert not default_storage.exists(first)
    assert default_storage.exists(person.avatar)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"hello, I am a text file", "not_an_image"),
        (b"", "avatar_empty"),
        (jpeg_with_exif()[:400], "image_corrupt"),
        (png_bomb(), "image_too_large"),
        (png_bomb(200_000, 200_000), "image_too_large"),
    ],
)
def test_bad_images_are_refused_and_leave_nothing(person, data, code):
    with pytest.raises(DomainError) as exc:
        avatar_set(account=person, actor=person, upload=upload(data))
    assert exc.value.code == code
    person.refresh_from_db()
    assert person.avatar == ""
    assert not default_storage.exists("avatars")


def test_below_pillows_bomb_threshold_but_over_our_pixel_limit(person, settings):
    """7000 by 7000 is 49M pixels: under Pillow's own 89M-pixel alarm, so only townhall's
    TOWNHALL_AVATAR_MAX_PIXELS (40M by default) refuses it, before anything is decoded."""
    pixels = 7000 * 7000
    assert settings.TOWNHALL_AVATAR_MAX_PIXELS < pixels < Image.MAX_IMAGE_PIXELS
    with pytest.raises(DomainError) as exc:
        avatar_set(account=person, actor=person, upload=upload(png_bomb(7000, 7000), "a.png"))
    assert exc.value.code == "image_too_large"
    assert exc.value.fields == {"avatar": exc.value.message}
    assert "7000×7000" in exc.value.message
    person.refresh_from_db()
    assert person.avatar == ""


def test_the_pixel_limit_is_the_setting(person, settings):
    settings.TOWNHALL_AVATAR_MAX_PIXELS = 100 * 100
    buf = io.BytesIO()
    Image.new("RGB", (101, 100), "red").save(buf, format="PNG")
    with pytest.raises(DomainError) as exc:
        avatar_set(account=person, actor=person, upload=upload(buf.getvalue(), "a.png"))
    assert exc.value.code == "image_too_large"
    settings.TOWNHALL_AVATAR_MAX_PIXELS = 101 * 100
    avatar_set(account=person, actor=person, upload=upload(buf.getvalue(), "a.png"))
    assert person.avatar


def test_file_over_the_size_limit(person, settings):
    settings.TOWNHALL_AVATAR_MAX_BYTES = 1000
    with pytest.raises(DomainError) as exc:
        avatar_set(account=person, actor=person, upload=upload(b"x" * 1001))
    assert exc.value.code == "avatar_too_large"


def test_profile_save_keeps_nothing_when_the_avatar_is_refused(person):
    from townhall.accounts.services import profile_save

    before = (person.display_name, person.bio)
    with pytest.raises(DomainError):
        profile_save(
            account=person,
            actor=person,
            display_name="Someone Else",
            bio="A new bio",
            link="",
            avatar=upload(b"not an image"),
        )
    assert (person.display_name, person.bio) == before
    person.refresh_from_db()
    assert (person.display_name, person.bio) == before
    assert not person.avatar


def test_profile_save_saves_the_fields_and_the_avatar_together(person):
    from townhall.accounts.services import profile_save

    profile_save(
        account=person,
        actor=person,
        display_name="Alice B",
        bio="Hello",
        link="",
        avatar=upload(jpeg_with_exif()),
    )
    person.refresh_from_db()
    assert (person.display_name, person.bio) == ("Alice B", "Hello")
    assert person.avatar and default_storage.exists(str(person.avatar))
