"""File checks by content, never by name or declared type alone."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
MAX_IMAGE_BYTES = 2 * 1024 * 1024


def validate_image(file) -> None:
    """A PNG or JPEG image, at most 2 MB, recognised by Pillow from its bytes."""
    if file.size > MAX_IMAGE_BYTES:
        raise ValidationError(_("L'image dépasse 2 Mo : réduisez-la puis réessayez."))
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            image.verify()
            image_format = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        image_format = None
    finally:
        file.seek(position)
    if image_format not in IMAGE_FORMATS:
        raise ValidationError(_("Ce fichier n'est pas une image PNG ou JPEG valide."))
