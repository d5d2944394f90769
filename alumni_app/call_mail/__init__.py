"""A call for mini-grant proposals sent by e-mail to the office's alumni (issue 15).

Its own package because it joins three features: grants (the call, who may manage it),
audiences (who gets it) and messages (the bulk e-mail queue, its preview counts, the delivery
log). grants sits below both of the others, so it cannot import them; this package sits above
all three and nothing imports it. The call's staff page (a grants template) shows the e-mails
sent for it through the template helpers this package registers (alumni_app/hooks.py).
"""


def blueprints() -> list:
    """The feature's blueprints, for create_app to register."""
    from alumni_app.call_mail import views

    return [views.bp]


def init_app(app) -> None:
    """Give the call's staff page its e-mails (grants cannot ask for them itself)."""
    from alumni_app import hooks
    from alumni_app.call_mail import sending

    hooks.register(app, hooks.TEMPLATE_GLOBALS, "call_mails", sending.messages_of_call)
    hooks.register(app, hooks.TEMPLATE_GLOBALS, "can_mail_call", sending.can_mail)
