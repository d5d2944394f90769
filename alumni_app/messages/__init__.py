"""Announcements and messages to alumni: news on the site, bulk e-mail through the queue with
one-click unsubscribe per kind, a delivery log, and Telegram as a second channel.

Other features send their own bulk messages with `bulk.queue_bulk_mail(kind, ...)`.
"""


def blueprints() -> list:
    """The feature's blueprints, for create_app to register."""
    from alumni_app.messages import mail_views, views

    return [views.bp, views.news_bp, mail_views.bp, mail_views.unsubscribe_bp,
            mail_views.preferences_bp]


def init_app(app) -> None:
    """Start the sending of bulk messages a request queued (after it committed); give the
    dashboard its latest news; send the reminders of lower features on Telegram too."""
    from alumni_app.messages import bulk, notices, privacy, work

    app.after_request(bulk.queue_after_request)
    notices.register(app)  # reminders of plans and grants on Telegram too
    privacy.register(app)  # erasure: the Telegram link, queued reminders, addresses
    app.add_template_global(work.latest_news, "latest_news")
    from alumni_app.messages import text

    app.add_template_filter(text.to_html, "announcement_html")
    app.add_template_filter(text.first_words, "first_words")
    app.add_template_global(bulk.kind_label, "message_kind_label")
    app.add_template_global(bulk.state_label, "delivery_state_label")
