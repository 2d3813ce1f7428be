"""Mail to users (password resets, email verification) over SMTP, with the standard library.

With no SMTP host in the settings the mail is logged instead (at WARNING, link included), so an
operator without a mail server can pass the link on by hand. Sending is slow and may fail: the
routes send after answering (a background task), and a failure is logged, never raised, so an
answer never depends on whether (or how fast) a mail went out.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from infra.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mailer:
    settings: Settings

    def send(self, to: str, subject: str, text: str) -> None:
        s = self.settings
        if not s.smtp_host:
            log.warning("no SMTP host is set; mail to %s not sent: %s\n%s", to, subject, text)
            return
        message = EmailMessage()
        message["From"] = s.mail_from
        message["To"] = to
        message["Subject"] = subject
        message.set_content(text)
        try:
            if s.smtp_security == "tls":
                smtp = smtplib.SMTP_SSL(
                    s.smtp_host,
                    s.smtp_port,
                    timeout=s.smtp_timeout_s,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s)
            with smtp:
                if s.smtp_security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            log.error("mail to %s (%s) failed: %s", to, subject, exc)
