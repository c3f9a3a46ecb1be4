"""Notifications: who is told what (``service``), the text in each language (``messages`` and
``templates/emails/``), e-mail delivery (``mail``), reminders (``reminders``) and the in-app
pages (``routes``)."""
