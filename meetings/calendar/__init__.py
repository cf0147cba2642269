"""iCalendar: the one builder (invitations, downloads, feeds) and the public feeds."""
