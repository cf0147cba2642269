"""The outbox: every email the app sends is a row first, delivered after the commit.

The path of one email:

1. A capability's notification queues it in the request's transaction
   (:func:`outbox.queue_email` with its content, or :func:`outbox.queue_later`,
   whose registered preparer renders each recipient's templates at delivery).
2. After the commit, :mod:`runner` hands the new ids to the Celery worker
   (``CELERY_BROKER_URL``) or to this process's delivery thread.
3. :func:`delivery.deliver_due` claims a batch, writes the content still missing,
   builds each message (:mod:`message`: the email package's MIME tree, iMIP part
   included) and sends the batch over one smtplib connection, committing each
   outcome as the server answers; failures wait for their retry in the outbox.

Capabilities call :mod:`outbox` only (queue, withdraw, erase); this package never
imports a capability.
"""
