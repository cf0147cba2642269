"""iCalendar: the one builder (invitations, downloads, feeds) and the public and personal feeds.

The path of a feed request (``/calendar.ics``, ``/calendar/<topic>.ics``, ``/feeds/<token>.ics``),
all inside Flask's request and SQLAlchemy's pool:

1. ``views`` picks the language and reads the feed's mark (``versions.current_mark``: one
   primary-key lookup with the data version beside it, kept a second by the worker). A current mark matching the
   client's If-None-Match / If-Modified-Since (werkzeug's ``is_resource_modified``) is the 304.
2. Otherwise one aggregate over the feed's meetings (``feeds.feed_state``,
   ``personal.personal_feed_state``) gives the ETag; ``feeds.settle_mark`` moves the mark
   so Last-Modified never goes back, and the request commits it. The same check may still answer 304.
3. For the full body, a light query lists the feed's meetings and when each last changed;
   events already rendered at that version come from ``cache`` and only the others are
   loaded and built (``builder.meeting_event``); ``builder.feed_of`` puts them in a calendar.

The data version moves with every commit of the app's session that writes to what feeds
show (``versions``), so step 1 stays valid exactly as long as nothing a feed shows changed.
"""
