"""An e-mail backend that keeps messages in the database outbox (read them at /outbox/)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage, EmailMultiAlternatives


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from .models import OutboxMessage

        sent = 0
        for message in email_messages:
            html = ""
            if isinstance(message, EmailMultiAlternatives):
                for content, mimetype in message.alternatives:
                    if mimetype == "text/html":
                        html = str(content)
            OutboxMessage.objects.create(
                to=", ".join(message.to + message.cc + message.bcc),
                from_email=message.from_email or "",
                subject=str(message.subject),
                body=str(message.body),
                html=html,
            )
            sent += 1
        return sent
