"""Looking inside ZIP-based uploads (app.common.contents, through check_upload): programs, macros,
archives Khusela cannot read and zip bombs are refused at any depth, naming the member and why;
the documents an office keeps still pass; limits come from the app's config."""

from __future__ import annotations

import io
import os
import tracemalloc
import zipfile

import pytest

from app.common import contents, uploads
from app.common.contents import ArchiveLimits
from app.common.models import RuleError
from app.common.uploads import UploadError, check_upload
from app.config import from_environment
from app.controls.demo import demo_pdf
from tests.archives import (
    DOCM_MAIN,
    JAVA_CLASS,
    LINUX_PROGRAM,
    MACOS_PROGRAM,
    MACOS_UNIVERSAL,
    MB,
    OLE,
    PNG,
    SCRIPT,
    SHORTCUT,
    deflated_zeros,
    docx,
    gzipped,
    odt,
    ole_file,
    packaged,
    pdf,
    vba_project,
    windows_program,
    xlsx,
    zip_bomb,
    zip_of_one,
    zipped,
)

LIMIT = 20 * MB
PROGRAMS = "programs cannot be stored as evidence."
MACROS = ("holds macros; documents with macros cannot be stored as evidence. Save the document without macros "
          "(as .docx, .xlsx, .pptx or OpenDocument) or as PDF, and upload that.")
UNREAD = "which Khusela cannot look inside, so it cannot be stored. Unpack it and upload the files, or a ZIP of them."


def refusal(filename: str, content: bytes, limits: ArchiveLimits = ArchiveLimits()) -> str:
    with pytest.raises(UploadError) as refused:
        check_upload(filename, content, max_bytes=LIMIT, limits=limits)
    return str(refused.value)


def nested(depth: int, innermost: dict[str, bytes | str]) -> bytes:
    """A ZIP of `innermost` inside `depth` more ZIPs: level1.zip › level2.zip › ..."""
    archive = zipped(innermost)
    for level in range(depth, 0, -1):
        archive = zipped({f"level{level}.zip": archive})
    return archive


# --- programs, at any depth, by content and by name ---------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("evidence.zip", zipped({"minutes.pdf": pdf(), "setup.pdf": windows_program()}),
         f"evidence.zip › setup.pdf is a program (Windows executable); {PROGRAMS}"),
        ("evidence.zip", zipped({"minutes.pdf": pdf(), "inner.zip": zipped({"setup.pdf": windows_program()})}),
         f"evidence.zip › inner.zip › setup.pdf is a program (Windows executable); {PROGRAMS}"),
        ("evidence.zip", zipped({"scans/inner.docx": docx({"word/media/image2.png": LINUX_PROGRAM})}),
         f"evidence.zip › scans/inner.docx › word/media/image2.png is a program (Linux executable (ELF)); "
         f"{PROGRAMS}"),
        ("evidence.zip", zipped({"photo.jpg": MACOS_PROGRAM}),
         f"evidence.zip › photo.jpg is a program (macOS executable (Mach-O)); {PROGRAMS}"),
        ("evidence.zip", zipped({"photo.jpg": MACOS_UNIVERSAL}),
         f"evidence.zip › photo.jpg is a program (macOS executable (Mach-O universal)); {PROGRAMS}"),
        ("evidence.zip", zipped({"notes.txt": JAVA_CLASS}), f"evidence.zip › notes.txt is a program (Java class); "
                                                            f"{PROGRAMS}"),
        ("evidence.zip", zipped({"notes.txt": SCRIPT}), f"evidence.zip › notes.txt is a program (script (#!)); "
                                                        f"{PROGRAMS}"),
        ("evidence.zip", zipped({"minutes.pdf": SHORTCUT}),
         f"evidence.zip › minutes.pdf is a program (Windows shortcut); {PROGRAMS}"),
        ("evidence.zip", zipped({"tools/RUN.EXE": b"not even a program"}),
         f"evidence.zip › tools/RUN.EXE is a program or script (.exe file); {PROGRAMS}"),
        ("evidence.zip", zipped({"inner.zip": zipped({"cleanup.ps1": "Remove-Item C:\\ -Recurse"})}),
         f"evidence.zip › inner.zip › cleanup.ps1 is a program or script (.ps1 file); {PROGRAMS}"),
        ("policy.docx", docx({"word/setup.exe": windows_program()}),
         f"policy.docx › word/setup.exe is a program or script (.exe file); {PROGRAMS}"),
        ("policy.docx", docx({"word/embeddings/oleObject1.bin": windows_program()}),
         f"policy.docx › word/embeddings/oleObject1.bin is a program (Windows executable); {PROGRAMS}"),
        ("policy.docx", docx({"word/embeddings/oleObject1.bin": packaged("invoice.pdf", windows_program(5000))}),
         f"policy.docx › word/embeddings/oleObject1.bin holds an embedded program (Windows executable); {PROGRAMS}"),
        ("policy.docx", docx({"word/embeddings/oleObject1.bin": packaged("setup.vbs", b'CreateObject("WScript")')}),
         f"policy.docx › word/embeddings/oleObject1.bin holds an embedded program or script (setup.vbs); "
         f"{PROGRAMS}"),
        ("register.xlsx", zipped({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>",
                                  "xl/embeddings/Package.bin": ole_file(payload=b"\x11" * 70_000
                                                                        + windows_program())}),
         f"register.xlsx › xl/embeddings/Package.bin holds an embedded program (Windows executable); {PROGRAMS}"),
        ("evidence.zip", zipped({"letter.doc": ole_file(payload=b"text " * 30_000 + windows_program())}),
         f"evidence.zip › letter.doc holds an embedded program (Windows executable); {PROGRAMS}"),
        ("policy.odt", odt({"Object 1": packaged("run.bat", b"@echo off")}),
         f"policy.odt › Object 1 holds an embedded program or script (run.bat); {PROGRAMS}"),
        ("logs.zip", zipped({"firewall.log.gz": gzipped(windows_program())}),
         f"logs.zip › firewall.log.gz › firewall.log is a program (Windows executable); {PROGRAMS}"),
        ("logs.zip", zipped({"firewall.exe.gz": gzipped(b"setup")}),
         f"logs.zip › firewall.exe.gz › firewall.exe is a program or script (.exe file); {PROGRAMS}"),
    ],
)
def test_a_program_anywhere_inside_is_refused_naming_where_it_is(filename, content, message):
    assert refusal(filename, content) == message


@pytest.mark.parametrize("split", [1, 0x3D, 0x40, 0x81, 0x83])
def test_a_program_cut_by_a_chunk_boundary_anywhere_in_its_header_is_found(split):
    """Embedded objects are read 64 KB at a time: the "MZ", its PE offset and the "PE" header may
    each fall in the next chunk (split after the "M", inside the offset, inside "PE\\0\\0")."""
    program = windows_program()
    chunks = [OLE + b"\x11" * 5000 + program[:split], program[split:] + b"\x00" * 100]

    with pytest.raises(contents.ArchiveRefusal, match=r"oleObject1\.bin holds an embedded program"):
        contents._EmbeddedObjectScan(("policy.docx", "word/embeddings/oleObject1.bin")).read(chunks)


def test_an_object_read_in_chunks_without_a_program_passes():
    chunks = [OLE + b"M", b"Z" + b"\x00" * 0x3B + b"\x80\x00\x00\x00" + b"\x00" * 200, b"MZANSI " * 1000]

    contents._EmbeddedObjectScan(("policy.docx", "word/embeddings/oleObject1.bin")).read(chunks)


# --- macros -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "member"),
    [
        ("policy.docx", docx({"word/vbaProject.bin": vba_project()}), "policy.docx › word/vbaProject.bin"),
        # a .docm renamed .docx, its VBA part renamed too: the content types give it away
        ("policy.docx", docx({"word/code.bin": b"\x00"}, main=DOCM_MAIN), "policy.docx › [Content_Types].xml"),
        # ... and the project inside the renamed part
        ("policy.docx", docx({"word/code.bin": vba_project()}), "policy.docx › word/code.bin"),
        ("register.xlsx", zipped({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>",
                                  "xl/macrosheets/sheet1.xml": "<xm:macrosheet/>"}),
         "register.xlsx › xl/macrosheets/sheet1.xml"),
        ("policy.odt", odt({"Basic/Standard/Module1.xml": "<script:module/>",
                            "Basic/Standard/script-lb.xml": "<library/>", "Basic/script-lc.xml": "<libraries/>"}),
         "policy.odt › Basic/Standard/Module1.xml"),
        ("policy.odt", odt({"Scripts/python/run.py": "import os"}), "policy.odt › Scripts/python/run.py"),
        ("evidence.zip", zipped({"old/letter.doc": vba_project()}), "evidence.zip › old/letter.doc"),
        ("evidence.zip", zipped({"inner.zip": zipped({"policy.docx": docx({"word/vbaProject.bin": b"x"})})}),
         "evidence.zip › inner.zip › policy.docx › word/vbaProject.bin"),
    ],
)
def test_a_document_with_macros_is_refused(filename, content, member):
    assert refusal(filename, content) == f"{member} {MACROS}"


def test_a_macro_enabled_document_inside_a_zip_is_refused_by_its_name():
    assert refusal("evidence.zip", zipped({"budget.xlsm": xlsx()})) == (
        "evidence.zip › budget.xlsm is a document with macros (.xlsm file); documents with macros cannot be stored "
        "as evidence. Save it without macros or as PDF, and upload that.")


def test_an_opendocument_whose_macros_were_deleted_keeps_its_empty_library_index_and_passes():
    content = odt({"Basic/script-lc.xml": "<libraries/>", "Basic/Standard/script-lb.xml": "<library/>"})

    assert check_upload("policy.odt", content, max_bytes=LIMIT).data == content


# --- archives Khusela cannot read, encrypted and damaged members --------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (zipped({"backup.7z": b"anything"}), f"evidence.zip › backup.7z is a 7-Zip archive, {UNREAD}"),
        (zipped({"backup.dat": b"7z\xbc\xaf\x27\x1c" + b"\x00" * 26}),
         f"evidence.zip › backup.dat is a 7-Zip archive, {UNREAD}"),
        (zipped({"scan.pdf": b"Rar!\x1a\x07\x01\x00" + b"\x00" * 20}), f"evidence.zip › scan.pdf is a RAR archive, "
                                                                       f"{UNREAD}"),
        (zipped({"logs.tar": b"x"}), f"evidence.zip › logs.tar is a tar archive, {UNREAD}"),
        (zipped({"logs.tgz": gzipped(b"\x00" * 257 + b"ustar\x0000" + b"\x00" * 1000)}),
         f"evidence.zip › logs.tgz › logs.tar is a tar archive, {UNREAD}"),
        (zipped({"notes.txt": b"BZh91AY&SY" + b"\x00" * 20}), f"evidence.zip › notes.txt is a bzip2-compressed "
                                                             f"file, {UNREAD}"),
        (zipped({"disk.iso": b"x"}), f"evidence.zip › disk.iso is a disc image, {UNREAD}"),
    ],
)
def test_an_archive_khusela_cannot_read_is_refused(content, message):
    assert refusal("evidence.zip", content) == message


def test_an_encrypted_member_is_refused_as_it_cannot_be_checked():
    content = zip_of_one("salaries.pdf", b"\x8a" * 40, size=28, crc=0, method=zipfile.ZIP_STORED, flags=0x1)

    assert refusal("evidence.zip", content) == ("evidence.zip › salaries.pdf is encrypted, so Khusela cannot check "
                                                "what it holds; upload it without a password.")


def test_a_member_compressed_with_a_method_khusela_does_not_read_is_refused():
    """zipfile unpacks bzip2 and LZMA without a bound on what one read returns."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("minutes.pdf", pdf())

    assert refusal("evidence.zip", buffer.getvalue()) == (
        "evidence.zip › minutes.pdf is compressed with a method Khusela does not read (ZIP method 12); make the "
        "archive again with the usual Deflate compression.")


def test_a_damaged_member_is_refused():
    content = zip_of_one("minutes.pdf", pdf(), size=len(pdf()), crc=12345, method=zipfile.ZIP_STORED)

    assert refusal("evidence.zip", content) == (
        "evidence.zip › minutes.pdf is damaged (its size or checksum is not the one its archive gives), so Khusela "
        "cannot check what it holds; upload an undamaged copy.")


@pytest.mark.parametrize("name", ["../../etc/cron.d/minutes.txt", "logs/../../minutes.txt", "/etc/minutes.txt",
                                  "..\\..\\Startup\\minutes.txt", "C:/Users/minutes.txt"])
def test_a_member_that_would_unpack_outside_its_folder_is_refused(name):
    assert refusal("evidence.zip", zipped({name: "minutes"})) == (
        f"evidence.zip › {name} has a path that unpacks outside its folder (.., / or a drive); make the archive "
        "again from the files themselves.")


def test_a_symbolic_link_is_refused():
    link = zipfile.ZipInfo("minutes.pdf")
    link.external_attr = (0o120777 << 16)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(link, "/home/officer/.ssh/id_ed25519")

    assert refusal("evidence.zip", buffer.getvalue()) == (
        "evidence.zip › minutes.pdf is a symbolic link, which unpacks to a pointer at another file on the reader's "
        "computer; upload the file itself.")


def test_a_member_name_with_control_characters_is_shown_without_them():
    message = refusal("evidence.zip", zipped({"report\x1b[2K\u202efdp.exe": b"x"}))

    assert message == f"evidence.zip › report�[2K�fdp.exe is a program or script (.exe file); {PROGRAMS}"


# --- depth, counts, sizes and zip bombs ---------------------------------------------------------------------


def test_archives_nested_to_the_depth_limit_pass_and_one_more_is_refused():
    assert check_upload("evidence.zip", nested(3, {"minutes.pdf": pdf()}), max_bytes=LIMIT)

    assert refusal("evidence.zip", nested(4, {"minutes.pdf": pdf()})) == (
        "evidence.zip › level1.zip › level2.zip › level3.zip › level4.zip is an archive nested more than 3 deep, "
        "further than Khusela looks, so it cannot be stored. Unpack the inner archives and upload one ZIP of the "
        "files.")


def test_the_depth_limit_is_the_configured_one():
    assert refusal("evidence.zip", nested(1, {"minutes.pdf": pdf()}), ArchiveLimits(max_depth=0)).startswith(
        "evidence.zip › level1.zip is an archive nested more than 0 deep")


def unpacked_bytes(monkeypatch) -> list[int]:
    """The sizes of the chunks the inspection inflates from ZIP members, as it goes."""
    unpacked: list[int] = []
    inflated = contents._inflated
    monkeypatch.setattr(contents, "_inflated", lambda *args: (unpacked.append(len(chunk)) or chunk
                                                              for chunk in inflated(*args)))
    return unpacked


def test_a_2_gib_zip_bomb_is_refused_without_unpacking_it(monkeypatch):
    """2 GiB of zeros in 2 MB, its index saying so: refused before a byte is unpacked."""
    bomb = zip_bomb(2048 * MB)
    assert len(bomb) < 3 * MB
    unpacked = unpacked_bytes(monkeypatch)

    message = refusal("report.zip", bomb)

    assert message == ("report.zip › report.pdf unpacks to more than 100 times its packed size, as a zip bomb does, "
                       "so it cannot be stored. If it is genuine, upload the files themselves or a PDF.")
    assert unpacked == []


@pytest.mark.parametrize("declared", [0, 1000, 100 * 20 * 1024])
def test_a_bomb_whose_index_hides_its_size_is_refused_once_it_unpacks_past_it(monkeypatch, declared):
    """zipfile believes the index: it would read `declared` bytes, and pass a member that unpacks
    to 2 GiB with a tool that reads to the end of the stream. Khusela reads on, and stops at the
    first byte past what the index admits."""
    bomb = zip_bomb(2048 * MB, declared=declared)
    unpacked = unpacked_bytes(monkeypatch)

    tracemalloc.start()
    try:
        message = refusal("report.zip", bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert message == (f"report.zip › report.pdf is damaged (it unpacks to more than the {declared:,} bytes its "
                       "archive gives), so Khusela cannot check what it holds; upload an undamaged copy.")
    assert sum(unpacked) <= declared + contents.CHUNK_BYTES
    assert peak < 2 * MB, f"checking a {len(bomb):,}-byte bomb allocated {peak:,} bytes"


def test_a_gzip_bomb_inside_a_zip_is_refused_as_it_unpacks(monkeypatch):
    """A gzip stream has no index: its ratio is counted as it is unpacked, here against the whole
    upload's (a few hundred bytes, 64 MB inside)."""
    content = zipped({"firewall.log.gz": gzipped(b"\x00" * (64 * MB))})
    gunzipped: list[int] = []
    original = contents._gunzipped
    monkeypatch.setattr(contents, "_gunzipped", lambda *args: (gunzipped.append(len(chunk)) or chunk
                                                               for chunk in original(*args)))

    assert refusal("logs.zip", content) == (
        "logs.zip unpacks to more than 100 times its packed size (counting up to logs.zip › firewall.log.gz › "
        "firewall.log), as a zip bomb does, so it cannot be stored. If it is genuine, upload the files themselves "
        "or a PDF.")
    assert sum(gunzipped) <= contents.RATIO_GRACE_BYTES + contents.CHUNK_BYTES


def test_a_bomb_inside_an_office_document_is_refused():
    as_docx = docx({"word/document.xml": b"\x00" * (32 * MB)})

    assert refusal("policy.docx", as_docx) == (
        "policy.docx › word/document.xml unpacks to more than 100 times its packed size, as a zip bomb does, so it "
        "cannot be stored. If it is genuine, upload the files themselves or a PDF.")
    assert refusal("evidence.zip", zipped({"policy.docx": as_docx})) == (
        "evidence.zip › policy.docx › word/document.xml unpacks to more than 100 times its packed size, as a zip "
        "bomb does, so it cannot be stored. If it is genuine, upload the files themselves or a PDF.")


def test_many_small_members_each_under_the_grace_are_refused_by_the_whole_uploads_ratio():
    """Each member of 900 KB of zeros is under the 1 MB the ratio waits for; together they unpack
    to 900 times the upload."""
    content = zipped({f"page{n:03d}.txt": b"\x00" * (900 * 1024) for n in range(40)})

    assert refusal("evidence.zip", content) == (
        "evidence.zip unpacks to more than 100 times its packed size (counting up to evidence.zip › page004.txt), "
        "as a zip bomb does, so it cannot be stored. If it is genuine, upload the files themselves or a PDF.")


def test_more_unpacked_bytes_than_the_limit_are_refused():
    incompressible = os.urandom(2 * MB)
    content = zipped({"scan1.pdf": b"%PDF-1.4\n" + incompressible, "scan2.pdf": b"%PDF-1.4\n" + incompressible})

    assert refusal("evidence.zip", content, ArchiveLimits(max_unpacked_bytes=3 * MB)) == (
        "evidence.zip unpacks to more than 3 MB (counting up to evidence.zip › scan2.pdf), more than Khusela keeps; "
        "split it into smaller archives.")


def test_more_files_than_the_limit_are_refused_at_any_depth():
    content = zipped({"a.pdf": pdf(), "inner.zip": zipped({f"{n}.pdf": pdf() for n in range(9)})})

    assert check_upload("evidence.zip", content, max_bytes=LIMIT, limits=ArchiveLimits(max_members=11))
    assert refusal("evidence.zip", content, ArchiveLimits(max_members=10)) == (
        "evidence.zip holds more than 10 files, counting those in the archives inside it; split it into smaller "
        "archives.")


def test_an_index_of_more_entries_than_the_limit_is_refused_before_zipfile_reads_it(monkeypatch):
    content = zipped({f"{n}.txt": "" for n in range(50)})
    monkeypatch.setattr(zipfile, "ZipFile", None)  # reading the index would fail

    assert refusal("evidence.zip", content, ArchiveLimits(max_members=49)) == (
        "evidence.zip holds more than 49 files, counting those in the archives inside it; split it into smaller "
        "archives.")


# --- what still passes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("access-review.xlsx", xlsx(rows=2000)),
        ("policy.docx", docx(paragraphs=200)),
        ("policy.docx", docx({"word/embeddings/Microsoft_Excel_Worksheet.xlsx": xlsx(),
                              "word/media/image2.emz": gzipped(b"\x01\x00\x00\x00" + b"EMF picture " * 500),
                              "word/embeddings/oleObject1.bin": ole_file(streams=("\x01CompObj", "Equation Native"),
                                                                         payload=b"MZANSI equation")})),
        ("register.xlsx", zipped({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>",
                                  "xl/printerSettings/printerSettings1.bin": b"H\x00P\x00" + b"\x00" * 300})),
        ("policy.odt", odt({"Pictures/1.png": PNG, "Object 1/content.xml": "<math/>"})),
        ("audit-pack.zip", zipped({f"minutes-{n}.pdf": demo_pdf(f"Minutes {n}", ["Attended."]) for n in range(5)})),
        ("audit-pack.zip", zipped({"2026/q1/register.xlsx": xlsx(), "2026/q1/policy.docx": docx(),
                                   "logs/firewall.csv": "time,source\n" * 100,
                                   "logs/firewall.log.gz": gzipped(b"2026-03-02 deny tcp\n" * 5000),
                                   "readme.txt": "MZANSI region, no NUL here", "photos/": b""})),
        ("audit-pack.zip", zipped({"firewall.log": "".join(
            f"2026-03-02 10:{n // 60 % 60:02d}:{n % 60:02d} deny tcp 10.0.{n % 256}.{n * 7 % 256}:443\n"
            for n in range(150_000))})),
    ],
)
def test_the_documents_an_office_keeps_still_pass(filename, content):
    checked = check_upload(filename, content, max_bytes=LIMIT)

    assert checked.data == content


def test_a_docx_with_the_ole_signature_in_its_picture_is_judged_as_a_compound_file_and_passes():
    assert check_upload("policy.docx", docx({"word/media/image3.png": OLE + b"\x00" * 600}), max_bytes=LIMIT)


def test_a_highly_compressible_member_under_a_megabyte_passes():
    assert check_upload("blank.zip", zipped({"blank.txt": " " * (MB - 1)}), max_bytes=LIMIT)


# --- limits from the configuration --------------------------------------------------------------------------


def test_the_limits_default_and_come_from_the_environment(monkeypatch, tmp_path):
    defaults = from_environment(tmp_path)
    assert (defaults["ARCHIVE_MAX_DEPTH"], defaults["ARCHIVE_MAX_FILES"], defaults["ARCHIVE_MAX_UNPACKED_MB"],
            defaults["ARCHIVE_MAX_RATIO"]) == (3, 10_000, 1024, 100)

    for name, value in [("KHUSELA_ARCHIVE_MAX_DEPTH", "1"), ("KHUSELA_ARCHIVE_MAX_FILES", "500"),
                        ("KHUSELA_ARCHIVE_MAX_UNPACKED_MB", "200"), ("KHUSELA_ARCHIVE_MAX_RATIO", "50")]:
        monkeypatch.setenv(name, value)
    config = from_environment(tmp_path)

    assert (config["ARCHIVE_MAX_DEPTH"], config["ARCHIVE_MAX_FILES"], config["ARCHIVE_MAX_UNPACKED_MB"],
            config["ARCHIVE_MAX_RATIO"]) == (1, 500, 200, 50)


def test_evidence_is_checked_with_the_configured_limits(app, monkeypatch):
    monkeypatch.setitem(app.config, "ARCHIVE_MAX_DEPTH", 1)
    monkeypatch.setitem(app.config, "ARCHIVE_MAX_UNPACKED_MB", 2)

    assert uploads.archive_limits() == ArchiveLimits(max_depth=1, max_members=10_000, max_unpacked_bytes=2 * MB,
                                                     max_ratio=100)
    with pytest.raises(RuleError, match=r"level2\.zip is an archive nested more than 1 deep"):
        uploads.check_evidence("evidence.zip", nested(2, {"minutes.pdf": pdf()}))


def test_deflated_zeros_are_what_they_say():
    """The bomb builder itself: its stream unpacks to exactly the zeros it claims."""
    import zlib

    assert zlib.decompress(deflated_zeros(3 * MB), -zlib.MAX_WBITS) == b"\x00" * (3 * MB)
