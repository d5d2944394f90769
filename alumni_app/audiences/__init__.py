"""Audiences: which alumni of an office a message or an invitation goes to.

The directory's filters (region, sector, program type, course, fiscal year) plus what follow-up
knows (trained since a fiscal year, an action plan under way, a mini-grant), or people chosen by
hand. Events and messages store an `Audience` (as a dict) and ask `queries` for its members.
This package sits above alumni, training, plans and grants, and below events and messages.
"""

from alumni_app.audiences.filters import Audience, AudienceInvalid, parse_audience

__all__ = ["Audience", "AudienceInvalid", "parse_audience"]
