"""What an upload's bytes hold: programs, macros and archives, looked for at every depth of a ZIP.

A ZIP-based upload (.zip, Office Open XML, OpenDocument) can carry what check_upload() refuses at
the top: a program renamed .pdf, an archive inside an archive holding one, an Office document with
macros or an embedded program, or a zip bomb that unpacks to gigabytes on the officer's or the
auditor's computer. inspect_archive() reads every member, at every depth, in chunks, and stops at
the first thing a security office must not store. The sizes in a ZIP's headers are never trusted:
bytes are counted as they are unpacked, and unpacking stops as soon as a limit is passed.

Plain functions over bytes: no Flask, no database (tests/test_architecture.py).
"""

from __future__ import annotations

import io
import re
import stat
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import PurePosixPath
from typing import IO

MB = 1_048_576
CHUNK_BYTES = 64 * 1024
HEAD_BYTES = 4096  # enough for every signature below (a tar's "ustar" is at 257)
# A small member may legitimately pack 1000:1 (a blank sheet, a run of spaces); the ratio counts
# only once this much has been unpacked, as Apache POI's zip-bomb check does.
RATIO_GRACE_BYTES = MB
# A nested archive is needed whole to read its index (at its end): kept in memory up to this, then
# in a temporary file that is deleted at once; never more than the limits let through.
SPOOL_IN_MEMORY_BYTES = 4 * MB

PROGRAM_EXTENSIONS = frozenset({
    ".exe", ".dll", ".com", ".bat", ".cmd", ".msi", ".msp", ".mst", ".scr", ".ps1", ".psm1", ".psd1", ".vb",
    ".vbs", ".vbe", ".js", ".jse", ".wsf", ".wsh", ".hta", ".jar", ".class", ".war", ".ear", ".sh", ".bash",
    ".zsh", ".ksh", ".csh", ".command", ".bin", ".run", ".app", ".apk", ".dmg", ".pkg", ".deb", ".rpm",
    ".appx", ".msix", ".lnk", ".url", ".scf", ".inf", ".reg", ".pif", ".cpl", ".msc", ".gadget", ".chm",
    ".ocx", ".sys", ".drv", ".elf", ".so", ".dylib", ".py", ".pyc", ".pl", ".rb", ".php", ".applescript",
    ".scpt", ".xll", ".iqy", ".slk",
})
# Office documents with macros: programs in a document's clothes.
MACRO_EXTENSIONS = frozenset({".docm", ".dotm", ".xlsm", ".xltm", ".xlam", ".pptm", ".potm", ".ppsm", ".ppam",
                              ".sldm", ".xlsb"})
# Archives whose inside Khusela does not read (a ZIP is read, and gzip, which holds one stream).
UNREAD_ARCHIVE_EXTENSIONS = {
    ".7z": "7-Zip archive", ".rar": "RAR archive", ".tar": "tar archive", ".bz2": "bzip2-compressed file",
    ".tbz2": "bzip2-compressed tar archive", ".xz": "xz-compressed file", ".txz": "xz-compressed tar archive",
    ".lzma": "LZMA-compressed file", ".zst": "Zstandard-compressed file", ".z": "compressed file (.Z)",
    ".cab": "Windows cabinet archive", ".iso": "disc image", ".img": "disc image", ".vhd": "virtual disk",
    ".vhdx": "virtual disk", ".arj": "ARJ archive", ".lzh": "LHA archive", ".ace": "ACE archive",
    ".cpio": "cpio archive", ".wim": "Windows image archive",
}
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a ZIP with members, an empty ZIP
GZIP_SIGNATURE = b"\x1f\x8b"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: .doc, .xls, .msg, .msi, embedded objects
# Parts of a document that are macros: VBA (any Office), Excel 4.0 macro sheets.
MACRO_PARTS = frozenset({"vbaproject.bin", "vbaprojectsignature.bin", "vbadata.xml"})
MACRO_FOLDERS = ("xl/macrosheets/", "xl/intlmacrosheets/")
# OpenDocument keeps Basic macros under Basic/<library>/ beside two index files, and other scripts
# under Scripts/ (https://wiki.openoffice.org/wiki/Documentation/DevGuide/Basic/Document_Library_Container).
ODF_MACRO_INDEXES = frozenset({"script-lc.xml", "script-lb.xml"})
EMBEDDING_FOLDER = re.compile(r"^(word|xl|ppt)/embeddings/|^Object \d+/?", re.IGNORECASE)
LOCAL_HEADER_BYTES = 30  # a ZIP member's local header, before its name and extra field
MAX_PE_OFFSET = 4096  # where a Windows program's "PE\0\0" header may sit after its "MZ"


@dataclass(frozen=True)
class ArchiveLimits:
    """How far Khusela looks into an archive and how much it unpacks (app config, README)."""

    max_depth: int = 3  # archives within the upload: evidence.zip › a.zip › b.zip › c.zip is 3
    max_members: int = 10_000  # files at every depth together
    max_unpacked_bytes: int = 1024 * MB  # bytes unpacked at every depth together
    max_ratio: int = 100  # unpacked bytes per packed byte, of each member and of the whole upload


class ArchiveRefusal(Exception):
    """A member that must not be stored; the message names it and says why."""


# --- what a file's first bytes say --------------------------------------------------------------


def program_kind(head: bytes) -> str | None:
    """The kind of program these first bytes start, or None. Text that merely starts with "MZ"
    (MZANSI...) is text: a Windows program's header holds NUL bytes."""
    if head.startswith(b"MZ") and b"\x00" in head[:1024]:
        return "Windows executable"
    if head.startswith(b"\x7fELF"):
        return "Linux executable (ELF)"
    if head[:4] in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"):
        return "macOS executable (Mach-O)"
    if head[:4] in (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"):
        # Java classes and universal Mach-O binaries share the magic: a class's version follows
        # (45 and up), a universal binary's count of architectures (a handful).
        return ("Java class" if head[:4] == b"\xca\xfe\xba\xbe" and int.from_bytes(head[4:8], "big") >= 45
                else "macOS executable (Mach-O universal)")
    if head.startswith(b"#!"):
        return "script (#!)"
    if head.startswith(b"L\x00\x00\x00\x01\x14\x02\x00"):
        return "Windows shortcut"
    return None


def unread_archive_kind(head: bytes) -> str | None:
    """The kind of archive these first bytes start that Khusela does not read inside, or None."""
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7-Zip archive"
    if head.startswith(b"Rar!\x1a\x07"):
        return "RAR archive"
    if head.startswith(b"BZh") and head[4:10] == b"1AY&SY":
        return "bzip2-compressed file"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz-compressed file"
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        return "Zstandard-compressed file"
    if head.startswith(b"MSCF"):
        return "Windows cabinet archive"
    if head[257:262] == b"ustar":
        return "tar archive"
    return None


# --- looking inside -----------------------------------------------------------------------------


def inspect_archive(name: str, data: bytes, limits: ArchiveLimits) -> None:
    """Refuse (ArchiveRefusal) a ZIP-based upload holding, at any depth, a program, a document
    with macros, an archive Khusela cannot read or one nested too deep, an encrypted or damaged
    member, or more than the limits allow. Returns when every member has been read and passed."""
    _Inspection(limits, len(data)).archive((name,), _Source(data), depth=0)


def check_entry_count(name: str, data: bytes, limits: ArchiveLimits) -> None:
    """Refuse an archive with more entries than the limit before zipfile reads its index, which it
    does whole, into memory: 20 MB of tiny entries would take hundreds of MB."""
    _Inspection(limits, len(data)).check_entry_count((name,), _Source(data))


def shown(path: tuple[str, ...]) -> str:
    """The member's path for a message, "evidence.zip › inner.zip › setup.pdf", with any
    control or invisible character of a name (which could rewrite a terminal line) as "�"."""
    names = ("".join("�" if unicodedata.category(char) in ("Cc", "Cf") else char for char in name)
             for name in path)
    return " › ".join(name if len(name) <= 160 else name[:159] + "…" for name in names)


class _Source:
    """An archive's bytes, in memory (the upload) or in a temporary file (an archive inside it)."""

    def __init__(self, content: bytes | IO[bytes]):
        self.content = content
        if isinstance(content, bytes):
            self.size = len(content)
        else:
            self.size = content.seek(0, io.SEEK_END)

    def file(self) -> IO[bytes]:
        if isinstance(self.content, bytes):
            return io.BytesIO(self.content)  # shares the bytes until written to: no copy
        self.content.seek(0)
        return self.content

    def read(self, offset: int, size: int) -> bytes:
        if isinstance(self.content, bytes):
            return self.content[offset:offset + size]
        self.content.seek(offset)
        return self.content.read(size)

    def count(self, signature: bytes) -> int:
        if isinstance(self.content, bytes):
            return self.content.count(signature)
        count, offset, overlap = 0, 0, len(signature) - 1
        while offset < self.size:
            count += self.read(offset, MB + overlap).count(signature)
            offset += MB
        return count


class _Inspection:
    def __init__(self, limits: ArchiveLimits, upload_bytes: int):
        self.limits = limits
        self.upload_bytes = upload_bytes
        self.members = 0
        self.unpacked = 0

    def archive(self, path: tuple[str, ...], source: _Source, depth: int) -> None:
        self.check_entry_count(path, source)
        try:
            archive = zipfile.ZipFile(source.file())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            raise _damaged(path, str(error)) from None
        with archive:
            office = _office_kind(archive)
            for info in archive.infolist():
                self._member(path + (info.filename,), source, info, depth, office)

    def check_entry_count(self, path: tuple[str, ...], source: _Source) -> None:
        # Each entry of the index starts with this signature: counting it gives at least as many
        # entries as zipfile would find, without reading the index.
        if self.members + source.count(b"PK\x01\x02") > self.limits.max_members:
            raise self._too_many(path)

    def _too_many(self, path: tuple[str, ...]) -> ArchiveRefusal:
        return ArchiveRefusal(f"{shown(path[:1])} holds more than {self.limits.max_members:,} files, counting "
                              "those in the archives inside it; split it into smaller archives.")

    def _member(self, path: tuple[str, ...], source: _Source, info: zipfile.ZipInfo, depth: int,
                office: str | None) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise self._too_many(path)
        _check_name(path, office)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ArchiveRefusal(f"{shown(path)} is a symbolic link, which unpacks to a pointer at another file on "
                                 "the reader's computer; upload the file itself.")
        if info.flag_bits & 0x1:
            raise ArchiveRefusal(f"{shown(path)} is encrypted, so Khusela cannot check what it holds; "
                                 "upload it without a password.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # bzip2, LZMA and the rest: rare in evidence, and zipfile unpacks them without a bound.
            raise ArchiveRefusal(f"{shown(path)} is compressed with a method Khusela does not read (ZIP method "
                                 f"{info.compress_type}); make the archive again with the usual Deflate "
                                 "compression.")
        packed_bytes = max(info.compress_size, 1)
        # What the index says is believed only to refuse sooner: a bomb that admits its size is
        # refused without being unpacked, one that hides it when it unpacks past what it admits.
        if info.file_size > RATIO_GRACE_BYTES and info.file_size > self.limits.max_ratio * packed_bytes:
            raise _bomb(path, self.limits.max_ratio)
        if self.unpacked + info.file_size > self.limits.max_unpacked_bytes:
            raise self._too_large(path)
        packed = _packed(path, source, info)
        unpacked = _inflated(path, packed) if info.compress_type == zipfile.ZIP_DEFLATED else packed
        self._content(path, _verified(path, unpacked, info), packed_bytes, depth, office)

    def _content(self, path: tuple[str, ...], chunks: Iterator[bytes], packed_bytes: int, depth: int,
                 office: str | None) -> None:
        """Judge a member by its bytes: its head, and for archives and embedded objects all of it.
        Every byte is read, whatever the verdict on the head, so that the limits see the real size."""
        head, rest = _head(self._counted(path, chunks, packed_bytes))
        everything = chain((head,), rest)
        kind = program_kind(head)
        if kind:
            raise ArchiveRefusal(f"{shown(path)} is a program ({kind}); programs cannot be stored as evidence.")
        unread = unread_archive_kind(head)
        if unread:
            raise _unread(path, unread)
        if head.startswith(ZIP_SIGNATURES):
            self._check_depth(path, depth + 1)
            with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES) as spool:
                for chunk in everything:
                    spool.write(chunk)
                self.archive(path, _Source(spool), depth + 1)
        elif head.startswith(GZIP_SIGNATURE):
            self._check_depth(path, depth + 1)
            inner = _gunzipped_name(path[-1])
            _check_name(path + (inner,), None)
            self._content(path + (inner,), _gunzipped(path, everything), packed_bytes, depth + 1, None)
        elif head.startswith(OLE_SIGNATURE) or (office and EMBEDDING_FOLDER.match(path[-1])):
            _EmbeddedObjectScan(path).read(everything)
        elif office == "ooxml" and path[-1] == "[Content_Types].xml":
            _MacroContentTypeScan(path).read(everything)
        else:
            for _ in everything:
                pass

    def _too_large(self, path: tuple[str, ...]) -> ArchiveRefusal:
        return ArchiveRefusal(f"{shown(path[:1])} unpacks to more than {self.limits.max_unpacked_bytes / MB:,.0f} MB "
                              f"(counting up to {shown(path)}), more than Khusela keeps; split it into smaller "
                              "archives.")

    def _check_depth(self, path: tuple[str, ...], depth: int) -> None:
        if depth > self.limits.max_depth:
            raise ArchiveRefusal(f"{shown(path)} is an archive nested more than {self.limits.max_depth} deep, "
                                 "further than Khusela looks, so it cannot be stored. Unpack the inner archives "
                                 "and upload one ZIP of the files.")

    def _counted(self, path: tuple[str, ...], chunks: Iterable[bytes], packed_bytes: int) -> Iterator[bytes]:
        """The chunks, counted against the limits as they are unpacked; stops at the first one passed."""
        limits = self.limits
        unpacked_here = 0
        for chunk in chunks:
            unpacked_here += len(chunk)
            self.unpacked += len(chunk)
            if self.unpacked > limits.max_unpacked_bytes:
                raise self._too_large(path)
            if unpacked_here > RATIO_GRACE_BYTES and unpacked_here > limits.max_ratio * packed_bytes:
                raise _bomb(path, limits.max_ratio)
            if self.unpacked > RATIO_GRACE_BYTES and self.unpacked > limits.max_ratio * self.upload_bytes:
                raise _bomb(path[:1], limits.max_ratio, counted_to=path)
            yield chunk


def _check_name(path: tuple[str, ...], office: str | None) -> None:
    parts = path[-1].replace("\\", "/").split("/")
    if ".." in parts or path[-1].startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path[-1]):
        # "Zip slip": unpacked, the file would land outside the folder it is unpacked into.
        raise ArchiveRefusal(f"{shown(path)} has a path that unpacks outside its folder (.., / or a drive); "
                             "make the archive again from the files themselves.")
    lowered = path[-1].lower()
    base = PurePosixPath(lowered).name
    suffix = PurePosixPath(base).suffix
    if base in MACRO_PARTS or lowered.startswith(MACRO_FOLDERS) or (
            office == "odf" and (lowered.startswith("scripts/")
                                 or lowered.startswith("basic/") and base not in ODF_MACRO_INDEXES)):
        raise _macros(path)
    if suffix in MACRO_EXTENSIONS:
        raise ArchiveRefusal(f"{shown(path)} is a document with macros ({suffix} file); documents with macros "
                             "cannot be stored as evidence. Save it without macros or as PDF, and upload that.")
    # Office documents keep binary parts as .bin (printer settings, embedded objects): those are
    # judged by their content, not by their name.
    if suffix in PROGRAM_EXTENSIONS and not (office and suffix == ".bin"):
        raise ArchiveRefusal(f"{shown(path)} is a program or script ({suffix} file); programs cannot be "
                             "stored as evidence.")
    if suffix in UNREAD_ARCHIVE_EXTENSIONS:
        raise _unread(path, UNREAD_ARCHIVE_EXTENSIONS[suffix])


def _macros(path: tuple[str, ...]) -> ArchiveRefusal:
    # A security office keeps no document that runs code when opened: evidence is a record, not a
    # program that can change it or infect whoever reads it.
    return ArchiveRefusal(f"{shown(path)} holds macros; documents with macros cannot be stored as evidence. "
                          "Save the document without macros (as .docx, .xlsx, .pptx or OpenDocument) or as PDF, "
                          "and upload that.")


def _unread(path: tuple[str, ...], kind: str) -> ArchiveRefusal:
    return ArchiveRefusal(f"{shown(path)} is a {kind}, which Khusela cannot look inside, so it cannot be stored. "
                          "Unpack it and upload the files, or a ZIP of them.")


def _bomb(path: tuple[str, ...], ratio: int, counted_to: tuple[str, ...] | None = None) -> ArchiveRefusal:
    where = f" (counting up to {shown(counted_to)})" if counted_to else ""
    return ArchiveRefusal(f"{shown(path)} unpacks to more than {ratio} times its packed size{where}, as a zip "
                          "bomb does, so it cannot be stored. If it is genuine, upload the files themselves or a PDF.")


def _damaged(path: tuple[str, ...], why: str) -> ArchiveRefusal:
    return ArchiveRefusal(f"{shown(path)} is damaged ({why}), so Khusela cannot check what it holds; "
                          "upload an undamaged copy.")


def _office_kind(archive: zipfile.ZipFile) -> str | None:
    names = set(archive.namelist())
    if "[Content_Types].xml" in names:
        return "ooxml"
    if "mimetype" in names and "META-INF/manifest.xml" in names:
        return "odf"
    return None


def _gunzipped_name(name: str) -> str:
    base = PurePosixPath(name).name
    if base.lower().endswith(".gz"):
        return base[:-3]
    if base.lower().endswith(".tgz"):
        return base[:-4] + ".tar"
    return f"{base} (unpacked)"


# --- reading in chunks --------------------------------------------------------------------------


def _packed(path: tuple[str, ...], source: _Source, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A member's bytes as stored, found through its local header and read in chunks. The length
    is the index's, and must lie inside the archive: what is unpacked from it is counted anyway."""
    header = source.read(info.header_offset, LOCAL_HEADER_BYTES)
    if len(header) < LOCAL_HEADER_BYTES or not header.startswith(b"PK\x03\x04"):
        raise _damaged(path, "its local header is missing")
    start = (info.header_offset + LOCAL_HEADER_BYTES + int.from_bytes(header[26:28], "little")
             + int.from_bytes(header[28:30], "little"))
    end = start + info.compress_size
    if end > source.size:
        raise _damaged(path, "it runs past the end of the archive")
    for offset in range(start, end, CHUNK_BYTES):
        yield source.read(offset, min(CHUNK_BYTES, end - offset))


def _inflated(path: tuple[str, ...], packed: Iterable[bytes]) -> Iterator[bytes]:
    """Deflate-compressed chunks unpacked to their real end, CHUNK_BYTES at most at a time."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        for chunk in packed:
            data = chunk
            while not inflater.eof:
                out = inflater.decompress(data, CHUNK_BYTES)
                data = inflater.unconsumed_tail
                if out:
                    yield out
                elif not data:
                    break
    except zlib.error as error:
        raise _damaged(path, str(error)) from None
    if not inflater.eof:
        raise _damaged(path, "its compressed data is cut short")


def _verified(path: tuple[str, ...], chunks: Iterable[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The chunks, refused as soon as they pass the size the index gives (a member whose index
    says 0 bytes while it unpacks to 2 GB), or at the end if size or checksum differ from it."""
    size, crc = 0, 0
    for chunk in chunks:
        size += len(chunk)
        if size > info.file_size:
            raise _damaged(path, f"it unpacks to more than the {info.file_size:,} bytes its archive gives")
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if size != info.file_size or crc != info.CRC:
        raise _damaged(path, "its size or checksum is not the one its archive gives")


def _head(chunks: Iterator[bytes]) -> tuple[bytes, Iterator[bytes]]:
    """The first HEAD_BYTES (fewer if the member is shorter), and the chunks after them."""
    head = bytearray()
    for chunk in chunks:
        head += chunk
        if len(head) >= HEAD_BYTES:
            break
    return bytes(head), chunks


def _gunzipped(path: tuple[str, ...], chunks: Iterable[bytes]) -> Iterator[bytes]:
    """A gzip stream's content, CHUNK_BYTES at most at a time; `cat a.gz b.gz` is one file."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        for chunk in chunks:
            data = chunk
            while True:
                if inflater.eof:  # what follows is the next gzip member
                    data = inflater.unused_data + data
                    if not data:
                        break
                    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                out = inflater.decompress(data, CHUNK_BYTES)
                data = inflater.unconsumed_tail
                if out:
                    yield out
                elif not data and not inflater.eof:
                    break
    except zlib.error as error:
        raise _damaged(path, str(error)) from None
    if not inflater.eof:
        raise _damaged(path, "its gzip stream is cut short")


# --- scanning a whole member --------------------------------------------------------------------

OLE10_NATIVE = "Ole10Native".encode("utf-16-le")  # the stream an Office "Package" object wraps any file in
VBA_PROJECT = "_VBA_PROJECT".encode("utf-16-le")  # the stream of a VBA project in a compound file
# A packaged file's name, kept NUL-terminated in its Ole10Native stream: found by its ending.
_PROGRAM_NAME_END = re.compile(
    rb"\.(?:" + b"|".join(re.escape(ext[1:].encode()) for ext in sorted(PROGRAM_EXTENSIONS - {".bin"})) + rb")\x00",
    re.IGNORECASE)
_NAME_CHARACTERS = frozenset(range(0x20, 0x7F)) - {ord("\\"), ord("/"), ord(":")}
_OVERLAP = MAX_PE_OFFSET + 0x40 + 4  # what a chunk carries to the next: an MZ header and its PE offset


class _EmbeddedObjectScan:
    """Reads an embedded object or compound file to its end, looking for a Windows program inside
    it (an "MZ" whose e_lfanew points at "PE\\0\\0"), a packaged file named like a program, and a
    VBA project. The window carried from chunk to chunk is short (_OVERLAP)."""

    def __init__(self, path: tuple[str, ...]):
        self.path = path
        self.packaged = False
        self.program_name: str | None = None

    def read(self, chunks: Iterable[bytes]) -> None:
        carried = b""
        checked = 0  # offsets in `carried` before this one were looked at already
        for chunk in chunks:
            window = carried + chunk
            checked = self._look(window, checked, final=False)
            keep = max(len(window) - _OVERLAP, 0)
            carried, checked = window[keep:], max(checked - keep, 0)
        self._look(carried, checked, final=True)
        if self.packaged and self.program_name:
            raise ArchiveRefusal(f"{shown(self.path)} holds an embedded program or script "
                                 f"({shown((self.program_name,))}); programs cannot be stored as evidence.")

    def _look(self, window: bytes, checked: int, *, final: bool) -> int:
        """Look at `window` from offset `checked`; return the offset to look from next time."""
        if VBA_PROJECT in window:
            raise _macros(self.path)
        self.packaged = self.packaged or OLE10_NATIVE in window
        if self.program_name is None:
            self.program_name = _program_name(window)
        position = checked
        while (at := window.find(b"MZ", position)) >= 0:
            if at + 0x40 > len(window) and not final:
                return at  # its header goes on in the next chunk
            offset = int.from_bytes(window[at + 0x3C:at + 0x40], "little")
            if offset <= MAX_PE_OFFSET:
                if at + offset + 4 > len(window) and not final:
                    return at
                if window[at + offset:at + offset + 4] == b"PE\x00\x00":
                    raise ArchiveRefusal(f"{shown(self.path)} holds an embedded program (Windows executable); "
                                         "programs cannot be stored as evidence.")
            position = at + 1
        return max(len(window) - 1, checked)  # a last "M" may meet its "Z" in the next chunk


def _program_name(window: bytes) -> str | None:
    for found in _PROGRAM_NAME_END.finditer(window):
        start = found.start()
        while start > 0 and found.start() - start < 255 and window[start - 1] in _NAME_CHARACTERS:
            start -= 1
        if start < found.start():
            return window[start:found.end() - 1].decode("ascii")
    return None


class _MacroContentTypeScan:
    """The [Content_Types].xml of a document with macros names them, even when the document is
    a .docm renamed .docx and its VBA part is renamed too."""

    MARKS = (b"macroenabled", b"vbaproject", b"macrosheet")

    def __init__(self, path: tuple[str, ...]):
        self.path = path

    def read(self, chunks: Iterable[bytes]) -> None:
        carried = b""
        for chunk in chunks:
            window = carried + chunk.lower()
            if any(mark in window for mark in self.MARKS):
                raise _macros(self.path)
            carried = window[-16:]
