"""The pages of the main journeys, per role, and the data they need beyond the demo's.

The accessibility and the phone-width tests visit every page listed here, in English and in
Russian. Paths name the objects they show with `{...}` fields, filled from `seed_journeys()`:
the demo alumnus's action plan (with milestones, indicators and a check-in due), an activity, a
draft application with a budget; a claim waiting for the office; a receipt on the running grant's
report; a reviewer assigned to the application under review.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from alumni_app.accounts.models import User
from alumni_app.alumni import claims
from alumni_app.alumni.models import AlumnusRecord
from alumni_app.extensions import db
from alumni_app.grants import applications, money, reviews
from alumni_app.grants.applications import BudgetRow
from alumni_app.grants.models import GrantApplication, GrantCall
from alumni_app.offices.models import Office
from alumni_app.plans import activities
from alumni_app.plans import services as plans
from alumni_app.plans.models import ActivityKind
from alumni_app.plans.services import IndicatorRow, MilestoneRow
from alumni_app.training.models import Course, Participation

D = Decimal
USERS = {
    "alumnus": "alumnus@example.org",
    "grantee": "farrukh.jalolov@example.org",
    "officer": "reviewer.tj@example.org",
    "manager": "manager.tj@example.org",
    "admin": "admin@example.org",
}
SECOND_FACTOR = {"manager", "admin"}
LANGUAGES = {"en": "English", "ru": "Русский"}

PAGES: list[tuple[str, str, str]] = [
    ("anonymous", "login", "/login"),
    ("anonymous", "register", "/register"),
    ("anonymous", "reset", "/reset"),
    ("alumnus", "dashboard", "/dashboard"),
    ("alumnus", "profile", "/me"),
    ("alumnus", "privacy", "/me/privacy"),
    ("alumnus", "account", "/account"),
    ("alumnus", "directory", "/directory"),
    ("alumnus", "record", "/directory/{colleague}"),
    ("alumnus", "courses", "/courses"),
    ("alumnus", "plans", "/plans"),
    ("alumnus", "plan", "/plans/{plan}"),
    ("alumnus", "plan-edit", "/plans/{plan}/edit"),
    ("alumnus", "plan-update", "/plans/{plan}/updates/new"),
    ("alumnus", "check-in", "/plans/{plan}/check-ins/{month}"),
    ("alumnus", "activities", "/activities"),
    ("alumnus", "activity", "/activities/{activity}"),
    ("alumnus", "activity-edit", "/activities/{activity}/edit"),
    ("alumnus", "mini-grants", "/grants"),
    ("alumnus", "call", "/grants/calls/{open_call}"),
    ("alumnus", "draft", "/grants/applications/{draft}/edit"),
    ("alumnus", "application", "/grants/applications/{draft}"),
    ("grantee", "mini-grants", "/grants"),
    ("grantee", "grant", "/grants/applications/{grant}"),
    ("grantee", "report", "/grants/reports/{report}"),
    ("grantee", "versions", "/grants/applications/{grant}/versions"),
    ("officer", "dashboard", "/dashboard"),
    ("officer", "records", "/directory"),
    ("officer", "record", "/directory/{record}"),
    ("officer", "record-edit", "/records/{record}/edit"),
    ("officer", "record-history", "/records/{record}/history"),
    ("officer", "import", "/records/import"),
    ("officer", "courses", "/courses"),
    ("officer", "course", "/courses/{course}"),
    ("officer", "follow-up", "/plans/follow-up"),
    ("officer", "outcomes", "/plans/outcomes"),
    ("officer", "plan", "/plans/{plan}"),
    ("officer", "activities", "/activities"),
    ("officer", "claims", "/records/claims"),
    ("officer", "claim", "/records/claims/{claim}"),
    ("officer", "calls", "/staff/grants/calls"),
    ("officer", "applications", "/staff/grants/calls/{open_call}"),
    ("officer", "call-mail", "/staff/grants/calls/{open_call}/mail"),
    ("officer", "application", "/staff/grants/applications/{pending}"),
    ("officer", "my-reviews", "/staff/grants/reviews"),
    ("officer", "to-screen", "/staff/grants/applications?state=submitted"),
    ("officer", "review-form", "/staff/grants/applications/{pending}/review"),
    ("officer", "money", "/staff/grants/applications/{grant}"),
    ("officer", "staff-report", "/staff/grants/reports/{report}"),
    ("officer", "figures", "/reports/offices/{office}/figures"),
    ("officer", "needs", "/reports/offices/{office}/needs"),
    ("manager", "dashboard", "/dashboard"),
    ("manager", "application", "/staff/grants/applications/{pending}"),
    ("manager", "to-decide", "/staff/grants/applications?waiting=decision"),
    ("manager", "approve", "/staff/grants/applications/{pending}/approve"),
    ("manager", "reject", "/staff/grants/applications/{pending}/reject"),
    ("manager", "money", "/staff/grants/applications/{grant}"),
    ("manager", "new-call", "/staff/grants/calls/new"),
    ("manager", "accounts", "/admin/users"),
    ("manager", "account", "/admin/users/{officer}"),
    ("manager", "invite", "/admin/users/invite"),
    ("admin", "dashboard", "/dashboard"),
    ("admin", "offices", "/admin/offices"),
    ("admin", "office", "/admin/offices/{office}"),
    ("admin", "users", "/admin/users"),
    ("admin", "audit", "/admin/audit"),
    ("admin", "sectors", "/admin/sectors"),
    ("admin", "figures", "/reports/figures"),
    ("admin", "rates", "/admin/rates"),
    ("admin", "rate-new", "/admin/rates/new"),
    ("admin", "jobs", "/admin/jobs"),
    ("alumnus", "events", "/events"),
    ("alumnus", "event", "/events/{meeting}"),
    ("officer", "events", "/staff/events"),
    ("officer", "event", "/staff/events/{meeting}"),
    ("officer", "event-new", "/staff/events/new"),
    ("officer", "event-edit", "/staff/events/{meeting}/edit"),
    ("officer", "event-agenda", "/staff/events/{meeting}/agenda"),
    ("officer", "event-invite", "/staff/events/{meeting}/invite?preview=1"),
    ("officer", "event-proposals", "/staff/events/{meeting}/proposals"),
    ("officer", "event-check-in", "/staff/events/{meeting}/check-in"),
    ("officer", "event-postpone", "/staff/events/{meeting}/postpone"),
    ("officer", "event-cancel", "/staff/events/{meeting}/cancel"),
    ("officer", "guests", "/staff/events/guests"),
    ("officer", "past-meeting", "/staff/events/{past_meeting}"),
    ("officer", "past-meeting-notes", "/staff/events/{past_meeting}/agenda"),
    ("anonymous", "certificate-check", "/certificates/{certificate}"),
    # Announcements and messages (alumni_app/messages)
    ("anonymous", "news-public", "/news/public"),
    ("anonymous", "story", "/news/public/{story}"),
    ("anonymous", "unsubscribe", "/unsubscribe/{unsubscribe}"),
    ("alumnus", "news", "/news"),
    ("alumnus", "news-item", "/news/{announcement}"),
    ("alumnus", "mail-preferences", "/account/mail"),
    ("officer", "announcements", "/staff/announcements"),
    ("officer", "announcement", "/staff/announcements/{announcement}"),
    ("officer", "announcement-new", "/staff/announcements/new"),
    ("officer", "announcement-edit", "/staff/announcements/{announcement}/edit"),
    ("officer", "announcement-withdraw", "/staff/announcements/{announcement}/withdraw"),
    ("officer", "send-preview", "/staff/messages/announcement/{announcement}"),
    ("officer", "delivery-log", "/staff/messages/{message}"),
    ("officer", "messages-to-person", "/staff/messages/person/{record}"),
]


def _user(role: str) -> User:
    return db.session.scalar(sa.select(User).filter_by(email=USERS[role]))


def _record(user: User) -> AlumnusRecord:
    return db.session.scalar(sa.select(AlumnusRecord).filter_by(user_id=user.id))


def _plan(alumnus: User, record: AlumnusRecord) -> tuple[int, int]:
    """A plan on the alumnus's course that ended longest ago: its 3-month check-in is due."""
    participation = db.session.scalar(
        sa.select(Participation).join(Course).where(Participation.record_id == record.id)
        .order_by(Course.end_on))
    start = participation.course.start_on or date.today()
    plan = plans.create_plan(alumnus, participation, {
        "title": "Safer births in Khatlon: training district nurses in every clinic",
        "problem": "Nurses in district clinics lack training.",
        "objectives": "Every district clinic has trained staff.", "status": "in_progress"},
        [MilestoneRow("Seminar for district nurses of the region", start + timedelta(days=30)),
         MilestoneRow("Visit the pilot clinics", date.today() + timedelta(days=60))],
        [IndicatorRow("Nurses trained", "people", D("0"), D("60")),
         IndicatorRow("Clinics with a trained nurse", "clinics", D("2"), D("14.5"))])
    return plan.id, 3


def _activity(alumnus: User, record: AlumnusRecord, plan_id: int) -> int:
    activity = activities.save_activity(alumnus, record, None, {
        "kind": ActivityKind.SEMINAR.value, "held_on": date.today() - timedelta(days=10),
        "title": "Seminar on safe births", "description": "A day with 40 nurses.",
        "plan_id": plan_id, "women": 30, "men": 10, "total": 40})
    return activity.id


def _draft(alumnus: User, call: GrantCall) -> int:
    draft = applications.start(alumnus, call)
    applications.save_draft(alumnus, draft, {
        "title": "Tablets for rural midwives", "summary": "Midwives learn to use tablets.",
        "problem": "Records are lost.", "objectives": "40 midwives keep records on tablets.",
        "activities": "Month 1: training. Month 2: follow-up.",
        "starts_on": date.today() + timedelta(days=70),
        "ends_on": date.today() + timedelta(days=160), "target_group": "Midwives",
        "people_to_reach": 40, "language": "en"},
        [BudgetRow("equipment", "Tablets", D("8"), D("1200.00")),
         BudgetRow("personnel", "Trainer fees", D("10"), D("300.00"))], None)
    return draft.id


def _receipt(grantee: User, grant: GrantApplication) -> int:
    report = money.reports(grant)[0]
    line = grant.budget_lines[0]
    money.add_receipt(grantee, report, line.id, date.today() - timedelta(days=5),
                      D("450.00"), "Two road signs")
    return report.id


def _meeting(office: Office) -> int:
    """The demo's coming annual meeting (alumni/events/demo.py)."""
    from alumni_app.events.models import Event

    return db.session.scalar(sa.select(Event.id).where(
        Event.office_id == office.id, Event.kind == "annual_meeting",
        Event.state == "published"))
def _past_meeting(office: Office) -> dict:
    """The demo's past annual meeting (its notes), and the code of a certificate of it."""
    from alumni_app.events import certificates
    from alumni_app.events.models import Event, Invitation

    meeting = db.session.scalar(sa.select(Event.id).where(
        Event.office_id == office.id, Event.kind == "annual_meeting",
        Event.state == "finished"))
    present = db.session.scalars(sa.select(Invitation).where(
        Invitation.event_id == meeting, Invitation.checked_in_at.is_not(None))
        .order_by(Invitation.id)).first()
    code = certificates.code_for(certificates.certificate(present, None))
    return {"past_meeting": meeting, "certificate": code}


def _messages(record: AlumnusRecord) -> dict:
    """The demo's announcements: the call sent by e-mail, the public story; an unsubscribe
    link of the demo alumnus."""
    from alumni_app.messages.models import Announcement, BulkMessage
    from alumni_app.messages.tokens import unsubscribe_token

    message = db.session.scalar(sa.select(BulkMessage).order_by(BulkMessage.id))
    story = db.session.scalar(sa.select(Announcement.id).where(Announcement.is_public))
    return {"announcement": message.announcement_id, "message": message.id, "story": story,
            "unsubscribe": unsubscribe_token(record.id, "events")}


def seed_journeys() -> dict[str, int]:
    """Add what the journeys' pages show to the demo data; return the ids the paths need."""
    alumnus, grantee, officer, manager = (_user(r) for r in ("alumnus", "grantee", "officer",
                                                             "manager"))
    record = _record(alumnus)
    plan, month = _plan(alumnus, record)
    office = db.session.get(Office, record.office_id)
    calls = db.session.scalars(sa.select(GrantCall).where(GrantCall.office_id == office.id)
                               .order_by(GrantCall.id)).all()
    grant, pending = db.session.scalars(
        sa.select(GrantApplication).where(GrantApplication.applicant_id == grantee.id)
        .order_by(GrantApplication.id)).all()
    if not reviews.is_reviewer(officer, pending):  # the demo assigns the second review now
        reviews.assign(manager, pending, officer)
    claim = claims.request_claim(
        db.session.scalar(sa.select(User).filter_by(email="aigul.karimova@example.org")),
        office_id=office.id, given_name="Aigul", family_name="Karimova", birth_year=1985,
        course="Road Maintenance Management")
    ids = {"record": record.id, "colleague": _record(grantee).id, "plan": plan, "month": month,
           "activity": _activity(alumnus, record, plan), "open_call": calls[-1].id,
           "draft": _draft(alumnus, calls[-1]), "grant": grant.id, "pending": pending.id,
           "report": _receipt(grantee, grant), "claim": claim.id, "officer": officer.id,
           "office": office.id, "course": record.participations[0].course_id}
    ids["meeting"] = _meeting(office)
    ids.update(_past_meeting(office))
    ids.update(_messages(record))
    db.session.flush()
    return ids


class Visitors:
    """One logged-in browser session per role, shared by the tests that walk the journeys.

    Each role logs in once (a manager's code works once per time step); the tests get
    contexts carrying that session's cookies, with the page's CSP bypassed or not, and with
    the interface in the language asked for (switched through the header's buttons).
    """

    def __init__(self, browser, base: str, ids: dict[str, int]):
        self.browser, self.base, self.ids = browser, base, ids
        self._states: dict[str, dict] = {}
        self._pages: dict[tuple[str, bool], object] = {}

    def path(self, template: str) -> str:
        return self.base + template.format(**self.ids)

    def _state(self, role: str) -> dict:
        if role not in self._states:
            from tests.e2e.test_language import current_code, log_in, submit_code

            context = self._new_context(None, bypass_csp=False)
            page = context.new_page()
            if role != "anonymous":
                log_in(page, self.base, USERS[role])
                if role in SECOND_FACTOR:
                    submit_code(page, current_code())
                assert page.url == f"{self.base}/dashboard", f"{role} could not log in"
            self._states[role] = context.storage_state()
            context.close()
        return self._states[role]

    def _new_context(self, state: dict | None, **options):
        from tests.e2e.conftest import TIMEOUT_MS

        context = self.browser.new_context(locale="en-US", storage_state=state, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        return context

    def new_page(self, role: str, **options):
        """A page in a context of its own (`options` as for browser.new_context), logged in
        as `role`; the caller closes its context."""
        return self._new_context(self._state(role), **options).new_page()

    def _switch(self, page, role: str, lang: str) -> None:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(self.path("/login" if role == "anonymous" else "/dashboard"))
        page.get_by_role("banner").get_by_role("button", name=LANGUAGES[lang], exact=True).click()
        page.wait_for_selector(f"html[lang={lang}]")

    def open(self, role: str, lang: str, width: int, template: str, *, bypass_csp: bool):
        """Open a page of the journeys as `role`, in `lang`, `width` pixels wide.

        The language is switched through the header's buttons when the page comes in
        another one (the first time, or after another test switched the account's).
        """
        key = (role, bypass_csp)
        if key not in self._pages:
            context = self._new_context(self._state(role), bypass_csp=bypass_csp)
            self._pages[key] = context.new_page()
        page = self._pages[key]
        for _attempt in range(2):
            page.set_viewport_size({"width": width, "height": 800})
            response = page.goto(self.path(template))
            assert response is not None and response.status == 200, (template, response)
            if page.locator("html").get_attribute("lang") == lang:
                return page
            self._switch(page, role, lang)
        raise AssertionError(f"{template} did not come in {lang}")

    def close(self) -> None:
        for page in self._pages.values():
            page.context.close()
