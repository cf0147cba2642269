"""The outbox: every email the app sends is a row first, delivered after the commit.

The path of one email:

1. Queued. A capability's notification adds an :class:`~models.OutboxMessage`
   row (``queued``) in the request's transaction: :func:`outbox.queue_email` with
   its content rendered now, or :func:`outbox.queue_later` for many recipients,
   the content left empty. A rollback takes the row with it; nothing goes out.
2. Handed over. After the commit the outbox calls :func:`runner.start_delivery`
   with the new ids: a Celery task (:mod:`tasks`, ``CELERY_BROKER_URL``) or this
   process's delivery thread (``MAIL_SERVER``); without a server the rows wait,
   readable in the app. A timer (MAIL_DELIVERY_INTERVAL, or the worker's schedule)
   and ``flask mail send`` pick up whatever is due later.
3. Claimed and prepared. :func:`delivery.deliver_due` claims a batch (``sending``,
   committed at once) and :func:`outbox.prepare` has the preparer registered for
   the kind (e.g. the invitations') render the templates of rows still empty; a
   message that cannot be written fails with the reason.
4. Built. :func:`message.envelope` turns each row into bytes and an SMTP envelope:
   :func:`message.write_message` writes exactly what :func:`message.build_message`
   (the email package's MIME tree, policy SMTP, the iMIP part from
   :func:`message.calendar_part`) would.
5. Sent. The batch goes over one ``smtplib.SMTP`` connection (:func:`delivery.connect`,
   :func:`delivery.send`) in a thread of its own, each outcome committed as the server
   answers: ``sent``; ``queued`` again after a growing pause; or ``failed``, after a
   permanent refusal or MAIL_MAX_ATTEMPTS, for a person to retry. A run that dies
   leaves claims that go back to the queue after MAIL_CLAIM_TIMEOUT.

Capabilities call :mod:`outbox` only (queue, withdraw, hold, erase); this package
never imports a capability.
"""
