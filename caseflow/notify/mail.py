"""E-mail delivery of notifications, when SMTP is configured (``CASEFLOW_MAIL_HOST``)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger("caseflow.mail")
NO_SMTP = "not sent: no SMTP"
NO_ADDRESS = "not sent: no address"


def deliver(note) -> str:
    """Send one notification by e-mail in the recipient's language; record and return the status."""
    from caseflow.notify.messages import render

    cfg = current_app.config
    user = note.user
    if not cfg.get("MAIL_HOST"):
        status = NO_SMTP
    elif not user.email:
        status = NO_ADDRESS
    else:
        subject, body = render(note, user.locale)
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = cfg["MAIL_FROM"], user.email, subject
        msg.set_content(body)
        try:
            with smtplib.SMTP(cfg["MAIL_HOST"], cfg["MAIL_PORT"], timeout=10) as smtp:
                if cfg.get("MAIL_STARTTLS"):
                    smtp.starttls()
                if cfg.get("MAIL_USERNAME"):
                    smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
                smtp.send_message(msg)
            status = "sent"
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("e-mail to user %s failed: %s", user.id, exc)
            status = f"failed: {exc.__class__.__name__}"
    note.email_status = status
    return status
