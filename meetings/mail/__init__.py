"""The outbox: every email the app sends is a row first, delivered after the commit.

Capabilities call :func:`meetings.mail.outbox.queue_email`; this package never
imports a capability.
"""
