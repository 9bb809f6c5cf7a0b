"""Report photos: checked by content, EXIF GPS and time read, stored as original and public copy.

Only JPEG, PNG and WebP are opened (decided by the bytes, never the file name). The original
stays private under ``data_dir/photos/<report_id>/``; the public copy is re-encoded from the
pixels alone, upright, so no EXIF (GPS, camera serial), XMP or ICC data leaves with it.
"""

from __future__ import annotations

import io
import math
import uuid
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from geoops.errors import InvalidInput, PayloadTooLarge
from geoops.store.reports import PhotoRow

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
PHOTOS_DIR = "photos"


@dataclass(frozen=True)
class Photo:
    """One checked photo: the original bytes, a public copy, and what its EXIF says."""

    original: bytes
    public: bytes
    format: str
    width: int
    height: int
    latitude: float | None = None
    longitude: float | None = None
    accuracy_m: float | None = None
    taken_local: datetime | None = None  # as the camera wrote it; aware when it gave an offset

    def taken_at(self, utc_offset_minutes: int | None = None) -> datetime | None:
        """The time taken, in UTC; a camera time without offset is read in ``utc_offset_minutes``."""
        if self.taken_local is None:
            return None
        if self.taken_local.tzinfo is None:
            zone = timezone(timedelta(minutes=utc_offset_minutes or 0))
            return self.taken_local.replace(tzinfo=zone).astimezone(UTC)
        return self.taken_local.astimezone(UTC)


def check_photo(data: bytes, *, name: str, max_bytes: int, max_pixels: int) -> Photo:
    """A JPEG, PNG or WebP within the limits, or PayloadTooLarge (413) / InvalidInput (422)."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"photo {name!r} is larger than the limit of {max_bytes / 2**20:g} MiB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            if image.width * image.height > max_pixels:
                raise PayloadTooLarge(
                    f"photo {name!r} has {image.width}x{image.height} pixels; the limit is {max_pixels:,}"
                )
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        if isinstance(exc, UnidentifiedImageError):
            raise InvalidInput(f"photo {name!r} is not a JPEG, PNG or WebP image") from exc
        raise PayloadTooLarge(f"photo {name!r} has too many pixels") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidInput(f"photo {name!r} is damaged: {exc}") from exc
    exif = image.getexif()
    latitude, longitude, accuracy = _gps(exif.get_ifd(ExifTags.IFD.GPSInfo))
    return Photo(
        original=data, public=_public_copy(image), format=str(image.format),
        width=image.width, height=image.height, latitude=latitude, longitude=longitude,
        accuracy_m=accuracy, taken_local=_taken(exif.get_ifd(ExifTags.IFD.Exif)),
    )  # fmt: skip


def _public_copy(image: Image.Image) -> bytes:
    """The pixels, turned upright, re-encoded with no metadata at all."""
    fmt = str(image.format)
    upright = ImageOps.exif_transpose(image)
    upright.info = {k: v for k, v in upright.info.items() if k == "transparency"}
    if fmt == "JPEG" and upright.mode not in ("RGB", "L", "CMYK"):
        upright = upright.convert("RGB")
    out = io.BytesIO()
    upright.save(out, fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    return out.getvalue()


def _degrees(value: Any, ref: Any, negative: str) -> float | None:
    try:
        d, m, s = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = d + m / 60 + s / 3600
    if not math.isfinite(degrees):
        return None
    return -degrees if str(ref).strip().upper() == negative else degrees


def _gps(gps: dict[int, Any]) -> tuple[float | None, float | None, float | None]:
    """Latitude, longitude and horizontal error (m) from the GPS IFD; Nones when unusable."""
    latitude = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "S")
    longitude = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "W")
    if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        return None, None, None
    try:
        error: float | None = float(gps[ExifTags.GPS.GPSHPositioningError])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        error = None
    return latitude, longitude, error if error is not None and math.isfinite(error) and error >= 0 else None


def _taken(exif: dict[int, Any]) -> datetime | None:
    """DateTimeOriginal, with OffsetTimeOriginal when the camera wrote one."""
    raw = str(exif.get(ExifTags.Base.DateTimeOriginal, "")).strip("\x00 ")
    offset = str(exif.get(ExifTags.Base.OffsetTimeOriginal, "")).strip("\x00 ")
    try:
        taken = datetime.strptime(raw, "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    try:
        return taken.replace(tzinfo=datetime.strptime(offset, "%z").tzinfo) if offset else taken
    except ValueError:
        return taken


def store_photo(photo: Photo, *, report_id: int, data_dir: Path, utc_offset_minutes: int | None) -> PhotoRow:
    """Write the original (private) and the public copy; paths are relative to ``data_dir``."""
    content_type, extension = FORMATS[photo.format]
    folder = Path(PHOTOS_DIR) / str(report_id)
    (data_dir / folder / "public").mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{uuid.uuid4().hex}.{extension}"
    stored, public = folder / name, folder / "public" / name
    for path, data in ((stored, photo.original), (public, photo.public)):
        (data_dir / path).write_bytes(data)
        (data_dir / path).chmod(0o600)
    return PhotoRow(
        stored_path=str(stored), public_path=str(public), content_type=content_type,
        bytes=len(photo.original), width=photo.width, height=photo.height,
        taken_at=photo.taken_at(utc_offset_minutes), longitude=photo.longitude, latitude=photo.latitude,
    )  # fmt: skip
