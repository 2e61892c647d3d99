"""Avatar images: decoded with limits, re-encoded, EXIF and every other metadata dropped."""

from __future__ import annotations

import io
import warnings
from typing import Any

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from townhall.errors import DomainError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def _read_limited(upload: Any) -> bytes:
    limit = settings.TOWNHALL_AVATAR_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _too_big(limit)
    if hasattr(upload, "seek"):
        upload.seek(0)
    data: bytes = upload.read(limit + 1)
    if len(data) > limit:
        raise _too_big(limit)
    if not data:
        raise DomainError.for_field("avatar", "avatar_empty", "The avatar file is empty.")
    return data


def _too_big(limit: int) -> DomainError:
    return DomainError.for_field(
        "avatar", "avatar_too_large", f"An avatar file is at most {limit // (1024 * 1024)} MB."
    )


def render_avatar(upload: Any) -> bytes:
    """Return a square WebP of TOWNHALL_AVATAR_SIZE pixels made from the uploaded image."""
    data = _read_limited(upload)
    max_pixels = settings.TOWNHALL_AVATAR_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data), formats=sorted(ACCEPTED_FORMATS))
            width, height = image.size
            # Checked before decoding: a bomb declares huge dimensions in a few bytes.
            if width * height > max_pixels:
                raise DomainError.for_field(
                    "avatar",
                    "image_too_large",
                    f"The image is {width}×{height} pixels; the limit is {max_pixels:,} pixels.",
                )
            image.load()
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError.for_field(
            "avatar",
            "image_too_large",
            f"The image declares more than {max_pixels:,} pixels and was not decoded.",
        ) from None
    except UnidentifiedImageError:
        raise DomainError.for_field(
            "avatar", "not_an_image", "The avatar must be a JPEG, PNG, WebP or GIF image."
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise DomainError.for_field(
            "avatar", "image_corrupt", "The image is truncated or damaged and cannot be read."
        ) from None

    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    size = settings.TOWNHALL_AVATAR_SIZE
    image = ImageOps.fit(image, (size, size), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=85, method=4)
    return out.getvalue()
