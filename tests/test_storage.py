"""Uploaded files are accepted by their content, not their name, within the size limit."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from alumni_app import storage
from alumni_app.extensions import db
from alumni_app.storage import FileTooLarge, StoredFile, UploadRefused
from tests import sample_files as files


@pytest.mark.parametrize(("make", "filename", "mime"), [
    (files.pdf, "Action plan.pdf", "application/pdf"),
    (lambda: files.image("PNG"), "photo.PNG", "image/png"),
    (lambda: files.image("JPEG"), "visit.jpeg", "image/jpeg"),
    (lambda: files.image("JPEG"), "visit.jpg", "image/jpeg"),
    (files.docx, "plan.docx", storage.KINDS["docx"].mime),
    (files.xlsx, "people.xlsx", storage.KINDS["xlsx"].mime),
])
def test_real_documents_are_stored_under_a_generated_name(app, users, make, filename, mime):
    data = make()
    stored = storage.save_upload(files.upload(data, filename), actor=users["alumnus"])
    db.session.commit()
    db.session.expire_all()
    again = db.session.get(StoredFile, stored.id)
    assert again.content == data and again.content_type == mime
    assert again.stored_name != filename and again.stored_name.endswith("." + again.extension)
    assert again.original_name.lower().startswith(filename.rsplit(".", 1)[0].lower())


@pytest.mark.parametrize(("make", "filename", "code"), [
    (files.executable, "report.pdf", "content"),
    (files.executable, "evidence.docx", "content"),
    (files.executable, "setup.exe", "extension"),
    (lambda: b"#!/bin/sh\nrm -rf /\n", "photo.png", "content"),
    (lambda: b"<html><script>alert(1)</script></html>", "page.pdf", "content"),
    (files.docx, "plan.pdf", "mismatch"),
    (files.pdf, "scan.png", "mismatch"),
    (lambda: files.image("PNG"), "scan.jpg", "mismatch"),
    (files.xlsx, "plan.docx", "mismatch"),
    (lambda: files.docx(main="text/plain"), "plan.docx", "office"),
    (files.xlsm, "macros.xlsx", "office"),
    (files.zip_bomb, "plan.docx", "bomb"),
    (lambda: files.docx(extra={f"word/p{i}.xml": "x" for i in range(2001)}), "many.docx",
     "bomb"),
    (lambda: b"", "empty.pdf", "empty"),
    (files.pdf, "no-extension", "extension"),
])
def test_hostile_or_mislabelled_files_are_refused(app, users, make, filename, code):
    with pytest.raises(UploadRefused) as refused:
        storage.save_upload(files.upload(make(), filename), actor=users["alumnus"])
    assert refused.value.code == code
    assert refused.value.message  # a sentence for the form, in the user's language
    assert db.session.scalar(sa.select(sa.func.count(StoredFile.id))) == 0


def test_a_file_over_the_limit_is_refused_with_413(app, users):
    app.config["UPLOAD_MAX_BYTES"] = 1024 * 1024
    big = files.pdf() + b"0" * (1024 * 1024)
    with pytest.raises(FileTooLarge) as refused:
        storage.save_upload(files.upload(big, "big.pdf"), actor=users["alumnus"])
    assert refused.value.status == 413 and "1 MB" in refused.value.message
    exact = files.pdf().ljust(1024 * 1024, b" ")
    assert storage.save_upload(files.upload(exact, "ok.pdf"), actor=users["alumnus"]).id


def test_the_limit_defaults_to_ten_mebibytes(app):
    assert app.config["UPLOAD_MAX_BYTES"] == 10 * 1024 * 1024


def test_a_stored_file_is_sent_as_an_attachment_with_nosniff_once(app, login, users, office):
    from alumni_app.plans import activities, services
    from alumni_app.security import HEADERS
    from tests.plans import factories as plan_factories

    services.ensure_default_barriers()
    record = plan_factories.claimed_record(office, users["alumnus"])
    activity = plan_factories.make_activity(record, users["alumnus"])
    activities.add_evidence(users["alumnus"], activity, files.upload(files.pdf(),
                                                                     'a"b\r\nc.pdf'))
    db.session.commit()
    stored = activity.evidence[-1]
    response = login(users["officer"]).get(f"/activities/{activity.id}/evidence/{stored.id}")
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "\n" not in response.headers["Content-Disposition"]
    assert response.mimetype == "application/pdf" and response.get_data() == files.pdf()
    # Each security header once: a download set nosniff itself, and the app's hook again.
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    for name, value in HEADERS:
        assert response.headers.getlist(name) == [value], name


# Active PDFs: scripts, programs to launch, files inside. Always sent as downloads, but then
# opened in a desktop reader by the office's staff: refused (docs/security.md).
JS = b"<</S/JavaScript/JS(app.alert('hi'))>>"


def _packed_with_hash(content: bytes) -> bytes:
    """An object stream whose compressed bytes hold '#' and two hex digits (found by trying
    paddings in order: the same one every run)."""
    import zlib

    for padding in range(100_000):
        padded = content + b" " * (padding % 50) + b"%d" % padding
        if re.search(rb"#[0-9A-Fa-f]{2}", zlib.compress(padded)):
            return files.object_stream(padded)
    raise AssertionError("no padding found")


@pytest.mark.parametrize(("make", "why"), [
    (lambda: files.pdf_with(JS, catalog=b"/OpenAction 3 0 R"), "script on opening"),
    (lambda: files.pdf_with(b"<</S/J#61vaScript/J#53(app.alert(1))>>",
                            catalog=b"/OpenAction 3 0 R"), "names written with #xx escapes"),
    (lambda: files.pdf_with(b"<</Names[(a) 4 0 R]>>", b"<</JS(this.print())>>",
                            catalog=b"/Names<</JavaScript 3 0 R>>"), "document-level script"),
    (lambda: files.pdf_with(b"<</S/Launch/F(cmd.exe)>>", catalog=b"/OpenAction 3 0 R"),
     "launches a program"),
    (lambda: files.pdf_with(b"<</Names[(x.exe) 4 0 R]>>",
                            b"<</Type/Filespec/F(x.exe)/EF<</F 5 0 R>>>>",
                            b"<</Type/EmbeddedFile/Length 2>>stream\nMZ\nendstream",
                            catalog=b"/Names<</EmbeddedFiles 3 0 R>>"), "a file inside"),
    (lambda: files.pdf_with(files.object_stream(b"3 0 " + JS), catalog=b"/OpenAction 4 0 R"),
     "a script hidden in a compressed object stream"),
    (lambda: files.pdf_with(b"<</RichMedia 4 0 R>>"), "Flash or other rich media"),
    (lambda: files.pdf_with(_packed_with_hash(b"3 0 " + JS), catalog=b"/OpenAction 4 0 R"),
     "packed bytes that look like #xx escapes are not unescaped"),
])
def test_a_pdf_with_active_content_is_refused(app, users, make, why):
    with pytest.raises(UploadRefused) as refused:
        storage.save_upload(files.upload(make(), "evidence.pdf"), actor=users["alumnus"])
    assert refused.value.code == "active-pdf", why
    assert "active content" in refused.value.message
    assert db.session.scalar(sa.select(sa.func.count(StoredFile.id))) == 0


def test_a_pdf_whose_object_stream_cannot_be_read_is_refused(app, users):
    """A compressed object stream that does not inflate (encrypted, damaged) cannot be
    checked for scripts."""
    broken = files.object_stream(b"", compress=True).replace(b"x\x9c", b"xx", 1)
    with pytest.raises(UploadRefused) as refused:
        storage.save_upload(files.upload(files.pdf_with(broken), "scan.pdf"),
                            actor=users["alumnus"])
    assert refused.value.code == "pdf-unreadable"


@pytest.mark.parametrize("make", [
    files.pdf,
    lambda: files.pdf_with(files.object_stream(b"3 0 <</Type/Font/Subtype/Type1>>")),
    lambda: files.pdf_with(b"<</JSONData 1/Length 0>>"),  # a name that only starts with JS
    lambda: files.pdf_with(b"<</Length 30>>stream\n(How JavaScript helps) Tj\nendstream"),
    lambda: files.pdf_with(b"<</S/URI/URI(https://example.org)>>", catalog=b"/OpenAction 3 0 R"),
])
def test_ordinary_pdfs_are_still_accepted(app, users, make):
    stored = storage.save_upload(files.upload(make(), "scan.pdf"), actor=users["alumnus"])
    assert stored.content_type == "application/pdf"
