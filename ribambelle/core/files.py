"""File checks by content, never by name or declared type alone (DESIGN invariant 6).

A browser's file name and content type are whatever the sender wants them to be: an executable
renamed "attestation.pdf" arrives as application/pdf. So the type is read from the bytes, the
size from what was received, and the type we store is the one we detected. Files are checked
before they are stored: a refused file never reaches the storage."""

import re
import unicodedata
import uuid
import zlib
from collections.abc import Callable
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
MAX_IMAGE_BYTES = 2 * 1024 * 1024

PDF = "application/pdf"
DOCUMENT_TYPES = {PDF: ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024

# Magic numbers of the formats we accept, checked before any parser sees the bytes.
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
PDF_MAGIC = b"%PDF-"

# PDF names that make a reader run code, start a program or carry another file.
ACTIVE_PDF_NAMES = frozenset(
    {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia"}
)
# A PDF name: a slash then regular characters (ISO 32000-1, 7.3.5), "#xx" being an escape.
PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r /<>\[\]()%{}]+)")
PDF_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# The "stream" keyword right after a dictionary (not "endstream", not bytes inside a stream).
PDF_STREAM = re.compile(rb">>\s*stream\r?\n")
# Compressed object streams can hide dictionaries (and so actions) from a plain scan: they
# are inflated, within this budget, which is far above what a 10 MB document needs.
MAX_INFLATED_BYTES = 64 * 1024 * 1024


# Text files (CSV): formats recognised by their first bytes, each refused with what to do.
TEXT_REFUSALS = [
    ((b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe"), "program"),
    ((b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), "spreadsheet"),
    ((PDF_MAGIC,), "pdf"),
    ((PNG_MAGIC, JPEG_MAGIC, b"GIF87a", b"GIF89a"), "image"),
    ((b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf\x27\x1c", b"BZh"), "archive"),
    ((b"\xff\xfe", b"\xfe\xff"), "utf16"),
]
# Markup a browser would render or run: never a CSV, whatever its name says.
MARKUP_MARKERS = (b"<!doctype", b"<html", b"<svg", b"<script", b"<?xml", b"<body", b"<iframe")
# C0 control characters that no text file holds (tab, line feed, form feed, carriage return
# are text).
BINARY_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _text_refusal(code: str) -> ValidationError:
    messages = {
        "program": _("Ce fichier est un programme, pas un fichier CSV : il est refusé."),
        "spreadsheet": _(
            "Ce fichier est un classeur (Excel, LibreOffice) ou une archive, pas un fichier "
            "CSV : dans votre tableur, choisissez « Enregistrer sous » puis le format « CSV "
            "UTF-8 (séparateur point-virgule) »."
        ),
        "pdf": _("Ce fichier est un PDF, pas un fichier CSV : exportez les données en CSV."),
        "image": _("Ce fichier est une image, pas un fichier CSV : exportez les données en CSV."),
        "archive": _(
            "Ce fichier est une archive compressée : extrayez-en le fichier CSV puis déposez-le."
        ),
        "utf16": _(
            "Ce fichier est enregistré en « texte Unicode » (UTF-16) : enregistrez-le en "
            "« CSV UTF-8 » puis réessayez."
        ),
        "markup": _(
            "Ce fichier est une page web ou une image vectorielle (HTML, SVG, XML), pas un "
            "fichier CSV : il est refusé."
        ),
        "binary": _("Ce fichier n'est pas un fichier texte (CSV) : il est refusé."),
    }
    return ValidationError(messages[code], code=code)


def check_text_file(data: bytes) -> None:
    """Refuse, before anything is stored, what is not plain text (a CSV file): programs,
    spreadsheets and archives, PDFs, images, web pages and SVG, UTF-16 and binary data, each
    recognised by its bytes; ValidationError with a French message saying what to do."""
    for signatures, code in TEXT_REFUSALS:
        if data.startswith(signatures):
            raise _text_refusal(code)
    if data.startswith(b"MZ") and b"\x00" in data[:1024]:  # a Windows program (PE)
        raise _text_refusal("program")
    head = data[:4096].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if head.startswith(b"<") or any(marker in head for marker in MARKUP_MARKERS):
        raise _text_refusal("markup")
    if BINARY_BYTES.search(data):
        raise _text_refusal("binary")


def validate_image(file) -> None:
    """A PNG or JPEG image, at most 2 MB, recognised by Pillow from its bytes."""
    if file.size > MAX_IMAGE_BYTES:
        raise ValidationError(_("L'image dépasse 2 Mo : réduisez-la puis réessayez."))
    if _pillow_format(file) not in IMAGE_FORMATS:
        raise ValidationError(_("Ce fichier n'est pas une image PNG ou JPEG valide."))


def _pillow_format(file) -> str | None:
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            image.verify()
            return image.format
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        return None
    finally:
        file.seek(position)


def document_content_type(file) -> str:
    """The content type of a family document (PDF, JPEG or PNG, at most 10 MB) read from its
    bytes; ValidationError with a French message saying what to do otherwise."""
    size = file.size or 0
    if size == 0:
        raise ValidationError(_("Ce fichier est vide : choisissez un autre fichier."), code="empty")
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _(
                "Ce fichier dépasse 10 Mo : réduisez-le (par exemple en le photographiant "
                "ou en le scannant en qualité moyenne) puis réessayez."
            ),
            code="too_big",
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        head = file.read(16)
        if head.startswith(PDF_MAGIC):
            file.seek(0)
            _check_pdf(file.read(MAX_DOCUMENT_BYTES + 1))
            return PDF
    finally:
        file.seek(position)
    expected = (
        "PNG" if head.startswith(PNG_MAGIC) else "JPEG" if head.startswith(JPEG_MAGIC) else None
    )
    if expected is not None and _pillow_format(file) == expected:
        return IMAGE_FORMATS[expected]
    raise ValidationError(
        _(
            "Ce fichier n'est pas un PDF, une image JPEG ou une image PNG. Choisissez un "
            "document PDF ou une photo du document."
        ),
        code="type",
    )


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-2048:]:
        raise ValidationError(
            _("Ce PDF est incomplet ou endommagé : enregistrez-le de nouveau puis réessayez."),
            code="damaged",
        )
    if _active_names(data) & ACTIVE_PDF_NAMES:
        raise ValidationError(
            _(
                "Ce PDF contient des scripts, des pièces jointes ou des actions automatiques, "
                "refusés par sécurité. Imprimez-le au format PDF (« Imprimer » puis "
                "« Enregistrer au format PDF ») ou envoyez une photo du document."
            ),
            code="active",
        )


def _names(data: bytes) -> set[bytes]:
    return {
        PDF_HEX_ESCAPE.sub(lambda escape: bytes([int(escape[1], 16)]), match[1])
        for match in PDF_NAME.finditer(data)
    }


def _active_names(data: bytes) -> set[bytes]:
    """The PDF names of the file, including those inside compressed object streams."""
    names = _names(data)
    budget = MAX_INFLATED_BYTES
    for match in PDF_STREAM.finditer(data):
        dictionary = data[max(0, match.start() - 1024) : match.start()]
        dictionary = dictionary[dictionary.rfind(b"obj") + 1 :]
        if b"ObjStm" not in _names(dictionary):
            continue
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(memoryview(data)[match.end() :], budget + 1)
        except zlib.error:
            inflated = b""
        budget -= len(inflated)
        if not inflated or budget < 0:
            # An object stream we cannot read could hide anything: treat it as active.
            return names | {b"JavaScript"}
        names |= _names(inflated)
    return names


# Serving stored files (invariant 6). A browser may show only these types itself, and only when
# the stored bytes still start as the type says: anything else is downloaded, never rendered.
INLINE_TYPES = {PDF: PDF_MAGIC, "image/jpeg": JPEG_MAGIC, "image/png": PNG_MAGIC}
ATTACHMENT_TYPE = "application/octet-stream"


def inline_type(file, declared: str) -> str | None:
    """`declared` when a browser may show the file inline (a PDF, JPEG or PNG whose first bytes
    say so), else None: the file is then served as an attachment."""
    magic = INLINE_TYPES.get(declared)
    if magic is None:
        return None
    position = file.tell()
    try:
        file.seek(0)
        head = file.read(len(magic))
    finally:
        file.seek(position)
    return declared if head == magic else None


def safe_filename(name: str) -> str:
    """A name for the user's disk: no path separators, no control or format characters (a
    right-to-left override, U+202E, makes "rapport<U+202E>fdp.exe" read "rapportexe.pdf")."""
    kept = "".join(
        " " if char in "/\\" or unicodedata.category(char) == "Cc" else char
        for char in name
        if unicodedata.category(char) == "Cc" or not unicodedata.category(char).startswith("C")
    )
    return " ".join(kept.split()).strip(" .")[:200] or "document"


def ascii_filename(filename: str) -> str:
    """A plain fallback for clients that ignore RFC 5987's filename*."""
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", plain).strip("._")
    return plain or "document"


def content_disposition(disposition: str, filename: str) -> str:
    """The Content-Disposition header (RFC 6266): an ASCII `filename` that needs no escaping,
    and the real name in `filename*` (RFC 5987, UTF-8, percent-encoded)."""
    name = safe_filename(filename)
    return (
        f'{disposition}; filename="{ascii_filename(name)}"; '
        f"filename*=UTF-8''{quote(name, safe='')}"
    )


def store_private_file(field: FieldFile, file: File, content_type: str) -> str:
    """Save `file` into the file field (not its row) under a random name with the extension
    of its checked `content_type`, so that nothing the sender typed reaches the storage. Returns
    the stored name, which the caller deletes should the row not be saved."""
    file.seek(0)
    field.save(f"{uuid.uuid4().hex}{DOCUMENT_TYPES[content_type]}", file, save=False)
    return str(field.name)


def serve_file(
    field: FieldFile,
    *,
    content_type: str,
    filename: str | Callable[[str | None], str],
    inline: bool = False,
) -> FileResponse:
    """A stored file for the browser (invariant 6, docs/decisions/0008): inline only when asked
    and when its bytes are of a type a browser may show (`inline_type`), else an attachment;
    of that checked type, or of no particular type when the bytes do not match it. Never
    sniffed, never kept in a cache; 404 when the storage lost the file. `filename` may be a
    function of the checked type (None when the bytes did not match)."""
    try:
        stream = field.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    shown_as = inline_type(stream, content_type)
    response = FileResponse(stream, content_type=shown_as or ATTACHMENT_TYPE)
    name = filename(shown_as) if callable(filename) else filename
    disposition = "inline" if inline and shown_as else "attachment"
    response["Content-Disposition"] = content_disposition(disposition, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
