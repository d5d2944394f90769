"""Events of an office: the annual meeting, seminars, workshops, pre-departure briefings.

Models (models.py), the states as data (workflow.py), registrations and the waiting list
(registrations.py), invitations by audience and their mail (invitations.py, notifications.py),
the agenda proposed from follow-up outcomes (proposals.py), staff and alumni pages.
"""
