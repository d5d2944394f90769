"""The account tables, defined with sign-in in alumni_app/auth/models.py (auth is below accounts:
accounts manages users through auth's services, auth imports nothing from accounts). Kept so
`from alumni_app.accounts.models import User` goes on working everywhere."""

from alumni_app.auth.models import RecoveryCode, User, UserSession, UserToken

__all__ = ["RecoveryCode", "User", "UserSession", "UserToken"]
