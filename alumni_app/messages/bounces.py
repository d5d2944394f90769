"""Bulk e-mail, bounce reports that arrive after the mail server took a message: delivery
status notifications (RFC 3464) sent to the envelope sender, read from a Maildir folder.

Each bulk e-mail carries a tag naming its recipient row, signed with the app's secret
(`m000123-0000456-<12 hex>`): in an `X-Alumni-Message` header, which most reports return
with the original's headers, and, when MAIL_BOUNCE_ADDRESS is set, in the envelope sender
(VERP: `bounces+m000123-0000456-<sig>@example.org`), which every report is sent to. Row ids
are easy to guess; the signature means that only someone who saw the message (its recipient,
their mail provider) can write a report that counts, and then only for that one row.

A permanent failure (Status 5.x.x) marks the row bounced with the server's words and the
address bounced, so later messages skip it until staff clear it; a report that the server
gave up after retrying (Action: failed, Status 4.x.x) marks the row failed; a delay, a
success, an out-of-office answer, a report without a genuine tag or for an unknown row
changes nothing (it is logged). A report that cannot be read never raises; a database that
cannot be written does (the report stays unread, for the next run).
"""

from __future__ import annotations

import contextlib
import email
import hashlib
import hmac
import logging
import re
from collections import Counter
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from alumni_app import jobs
from alumni_app.extensions import db
from alumni_app.messages.bulk_outcomes import mark_bounced, update_recipients
from alumni_app.messages.models import MessageRecipient, RecipientState

log = logging.getLogger("alumni_app.messages.bounces")
HEADER = "X-Alumni-Message"
SALT = b"messages.bounce:"
TAG = re.compile(r"(?<![0-9a-z])m(\d{1,12})-(\d{1,12})-([0-9a-f]{12})(?![0-9a-z])", re.I)
FIELD = re.compile(r"^(final-recipient|action|status|diagnostic-code)[ \t]*:[ \t]*(.*(?:\n[ \t]"
                   r".*)*)", re.I | re.M)
STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
# A diagnostic's own code: "550 5.1.1 ..." or "550 ..." at its start.
SMTP_CODE = re.compile(r"^([245])\d\d\b(?:[ -]+([245]\.\d{1,3}\.\d{1,3})\b)?")
MAX_BYTES = 1024 * 1024  # a report's first MiB: its status comes before the returned message
DELIVERY_STATUS = ("message/delivery-status", "message/global-delivery-status")


# The tag ---------------------------------------------------------------------------------------

def _signature(name: str) -> str:
    key = current_app.secret_key.encode() if isinstance(current_app.secret_key, str) else (
        current_app.secret_key)
    return hmac.new(key, SALT + name.encode(), hashlib.sha256).hexdigest()[:12]


def tag(message_id: int, recipient_id: int) -> str:
    """The signed name of a recipient row, carried by its e-mail."""
    name = f"m{message_id:06d}-{recipient_id:07d}"
    return f"{name}-{_signature(name)}"


def return_path(signed: str) -> str | None:
    """The envelope sender for a tagged e-mail: MAIL_BOUNCE_ADDRESS with the tag after a "+"
    (None when unset: the server uses the From address)."""
    address = current_app.config.get("MAIL_BOUNCE_ADDRESS")
    if not address:
        return None
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"MAIL_BOUNCE_ADDRESS is not an e-mail address: {address!r}")
    return f"{local}+{signed}@{domain}"


def _row_named(text: str) -> tuple[int, int] | None:
    """(message id, recipient id) of the first genuine tag in `text`; forged ones are passed."""
    for found in TAG.finditer(text):
        message_id, recipient_id = int(found[1]), int(found[2])
        name = f"m{message_id:06d}-{recipient_id:07d}"
        if hmac.compare_digest(found[3].lower(), _signature(name)):
            return message_id, recipient_id
    return None


# Reading a report ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Report:
    """What a bounce report says about one of our e-mails."""

    message_id: int
    recipient_id: int
    action: str  # "failed", "delayed", "delivered", ... ("" when not given)
    status: str  # "5.1.1" ("" when not given)
    diagnostic: str  # the receiving server's words, e.g. "550 5.1.1 User unknown"
    final_recipient: str

    @property
    def permanent(self) -> bool:
        return self.status.startswith("5") and self.action in ("failed", "")

    @property
    def given_up(self) -> bool:
        """The server stopped trying (a temporary trouble that lasted): the e-mail is lost."""
        return self.status.startswith("4") and self.action == "failed"

    @property
    def reason(self) -> str:
        if not self.diagnostic:
            return f"{self.status} (no reason given)"
        return self.diagnostic if self.status in self.diagnostic else (
            f"{self.status} {self.diagnostic}")


def _clean(value) -> str:
    return " ".join(str(value or "").split())


def _without_type(value: str) -> str:
    """`rfc822; someone@example.org` -> `someone@example.org` (the type is RFC 3464's)."""
    kind, semicolon, rest = value.partition(";")
    return rest.strip() if semicolon and " " not in kind.strip() else value


def _blocks(message: Message) -> list[dict[str, str]]:
    """Per-recipient fields of the report's message/delivery-status parts."""
    found = []
    for part in message.walk():
        if part.get_content_type() not in DELIVERY_STATUS:
            continue
        payload = part.get_payload()
        for block in payload if isinstance(payload, list) else []:
            fields = {k.lower(): _clean(v) for k, v in block.items()}
            if "action" in fields or "status" in fields:
                found.append(fields)
    return found or _loose_fields(message)


def _text_parts(message: Message) -> list[str]:
    texts = []
    for part in message.walk():
        if part.get_content_maintype() == "text" and not part.is_multipart():
            data = part.get_payload(decode=True) or b""
            texts.append(data.decode(part.get_content_charset() or "latin-1", "replace"))
    return texts


def _loose_fields(message: Message) -> list[dict[str, str]]:
    """A report that is not RFC 3464 but writes its fields in the text (some servers do)."""
    fields: dict[str, str] = {}
    for text in _text_parts(message):
        for name, value in FIELD.findall(text.replace("\r\n", "\n")):
            fields.setdefault(name.lower(), _clean(value))
    return [fields] if "status" in fields else []


def _status(fields: dict[str, str]) -> str:
    """The enhanced status code, from Status (or, when missing, from the diagnostic)."""
    if found := STATUS.search(fields.get("status", "")):
        return ".".join(found.groups())
    if found := SMTP_CODE.search(_without_type(fields.get("diagnostic-code", ""))):
        return found[2] or f"{found[1]}.0.0"
    return ""


def _worst(blocks: list[dict[str, str]]) -> dict[str, str]:
    """The recipient block that matters: a failure before a delay before anything else."""
    def rank(fields):
        action, status = fields.get("action", "").lower(), _status(fields)
        return (action != "failed" and not status.startswith("5"), not status.startswith("4"))
    return min(blocks, key=rank)


def parse(data: bytes) -> Report | None:
    """The report in `data` about one of our e-mails; None when it is none (not a report,
    no genuine tag). Never raises."""
    try:
        message = email.message_from_bytes(data[:MAX_BYTES])
        row = _row_named(data[:MAX_BYTES].decode("latin-1"))
        blocks = _blocks(message) if row else []
    except Exception:  # a damaged message is nobody's report
        log.warning("bounce report not readable", exc_info=True)
        return None
    if row is None or not blocks:
        return None
    fields = _worst(blocks)
    return Report(message_id=row[0], recipient_id=row[1],
                  action=fields.get("action", "").lower(), status=_status(fields),
                  diagnostic=_without_type(fields.get("diagnostic-code", "")),
                  final_recipient=_without_type(fields.get("final-recipient", "")))


def read_report(data: bytes) -> str:
    """Apply one report (not committed); what it did: bounced, failed or ignored."""
    report = parse(data)
    if report is None:
        log.info("bounce folder: a message that is no report on our e-mail, ignored")
        return "ignored"
    row = db.session.get(MessageRecipient, report.recipient_id)
    if row is None or row.message_id != report.message_id or row.channel != "email":
        log.info("bounce report for m%s-%s: no such recipient, ignored", report.message_id,
                 report.recipient_id)
        return "ignored"
    if row.state not in (RecipientState.SENT.value, RecipientState.QUEUED.value):
        return "ignored"  # bounced already, or never sent (nothing to report on)
    if report.permanent:
        reason = report.reason[:500]
        update_recipients([row.id], state=RecipientState.BOUNCED.value, last_error=reason)
        mark_bounced(row.address, reason)
        log.info("message %s to %r bounced later: %s", row.message_id, row.address, reason)
        return "bounced"
    if report.given_up:
        update_recipients([row.id], state=RecipientState.FAILED.value,
                          last_error=report.reason[:500])
        return "failed"
    log.info("message %s to %r: report %s %s, nothing changed", row.message_id, row.address,
             report.action or "-", report.status or "-")
    return "ignored"


# Where reports come from -----------------------------------------------------------------------

def is_maildir(path: str | Path) -> bool:
    return all((Path(path) / sub).is_dir() for sub in ("new", "cur"))


def _read_file(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(MAX_BYTES)


def read_maildir(folder: str | Path, limit: int = 1000) -> Counter:
    """Read the reports a mail server delivered to the Maildir `folder` (those in `new/`),
    each committed on its own and then moved to `cur/` as seen, so each is read once."""
    folder, done = Path(folder), Counter()
    names = sorted(p.name for p in (folder / "new").iterdir()
                   if p.is_file() and not p.name.startswith("."))
    for name in names[:limit]:
        try:
            data = _read_file(folder / "new" / name)
        except FileNotFoundError:  # another reader took it
            continue
        done[read_report(data)] += 1
        try:
            db.session.commit()
        except sa.exc.IntegrityError:  # another reader marked the same address a moment ago
            db.session.rollback()
        with contextlib.suppress(FileNotFoundError):  # seen: the next run passes it
            (folder / "new" / name).rename(folder / "cur" / f"{name.split(':')[0]}:2,S")
        done["read"] += 1
    return done


@jobs.task("messages.read_bounces", periodic=jobs.crontab(minute="*/5"), tracked=False)
def read_bounces_task() -> int:
    """Every five minutes: the bounce reports in MAIL_BOUNCE_MAILDIR (when set)."""
    folder = current_app.config.get("MAIL_BOUNCE_MAILDIR")
    if not folder:
        return 0
    if not is_maildir(folder):
        log.warning("MAIL_BOUNCE_MAILDIR %s is not a Maildir folder (new/, cur/)", folder)
        return 0
    return read_maildir(folder)["read"]


@click.command("read-bounces")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@with_appcontext
def read_bounces_command(path: Path | None) -> None:
    """Read bounce reports now: a Maildir folder (MAIL_BOUNCE_MAILDIR by default, the worker
    reads it every five minutes) or one saved message."""
    path = path or current_app.config.get("MAIL_BOUNCE_MAILDIR")
    if not path:
        raise click.UsageError("give a Maildir folder or a message file, or set "
                               "MAIL_BOUNCE_MAILDIR")
    if Path(path).is_file():
        done = Counter({read_report(_read_file(Path(path))): 1, "read": 1})
        db.session.commit()
    elif is_maildir(path):
        done = read_maildir(path, limit=10**9)
    else:
        raise click.UsageError(f"{path} is neither a Maildir folder (new/, cur/) nor a file")
    click.echo(f"{done['read']} report(s) read: {done['bounced']} bounced, {done['failed']} "
               f"failed (given up after retries), {done['ignored']} changed nothing")
