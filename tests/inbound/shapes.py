"""Messages as Outlook, Google Calendar, Postfix and Exchange write them, for the COUNTER,
delegation, forwarding, automatic-reply and bounce tests. Each says where its shape comes from.
Written here from those descriptions; no real person's mail."""
from __future__ import annotations

from datetime import datetime, timezone

CRLF = "\r\n"


def _lines(*lines: str) -> bytes:
    return (CRLF.join(lines) + CRLF).encode("utf-8")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def outlook_counter(uid: str, attendee: str, name: str, start_local: datetime, end_local: datetime, *,
                    organizer: str, sequence: int = 0, to: str, comment: str = "Am Nachmittag passt es besser.",
                    msgid: str = "<counter-outlook-1@example.de>") -> bytes:
    """Outlook's "Propose New Time" (Exchange writes the iCalendar): subject "New Time Proposed:",
    a text/calendar; method=COUNTER part inside multipart/alternative, the proposed times under a
    Windows zone name with its VTIMEZONE, the original times in X-MS-OLK-ORIGINALSTART/END, the
    proposer's PARTSTAT (TENTATIVE) and their words in COMMENT. From Microsoft's [MS-OXCICAL]
    (COUNTER: 2.1.3.1.1.20.x, X-MS-OLK-ORIGINALSTART, X-MS-OLK-ORIGINALEND) and [MS-OXOCAL]
    3.1.4.8.2 (meeting response with a proposed new time)."""
    zone = "W. Europe Standard Time"
    ics = CRLF.join([
        "BEGIN:VCALENDAR", "METHOD:COUNTER", "PRODID:Microsoft Exchange Server 2010", "VERSION:2.0",
        "BEGIN:VTIMEZONE", f"TZID:{zone}",
        "BEGIN:STANDARD", "DTSTART:16010101T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100",
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10", "END:STANDARD",
        "BEGIN:DAYLIGHT", "DTSTART:16010101T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3", "END:DAYLIGHT", "END:VTIMEZONE",
        "BEGIN:VEVENT",
        f'ORGANIZER;CN="Cluster office":mailto:{organizer}',
        f'ATTENDEE;PARTSTAT=TENTATIVE;CN="{name}":mailto:{attendee}',
        f"COMMENT;LANGUAGE=de-DE:{comment}\\n",
        "SUMMARY;LANGUAGE=de-DE:Neue Uhrzeit vorgeschlagen: Core Team meeting",
        f"DTSTART;TZID={zone}:{start_local.strftime('%Y%m%dT%H%M%S')}",
        f"DTEND;TZID={zone}:{end_local.strftime('%Y%m%dT%H%M%S')}",
        f"UID:{uid}", "CLASS:PUBLIC", "PRIORITY:5", "DTSTAMP:20261203T093000Z", "TRANSP:OPAQUE",
        "STATUS:CONFIRMED", f"SEQUENCE:{sequence}", "LOCATION;LANGUAGE=de-DE:High Tech Factory",
        "X-MICROSOFT-CDO-APPT-SEQUENCE:0", "X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE",
        "X-MS-OLK-ORIGINALSTART:20270702T080000Z", "X-MS-OLK-ORIGINALEND:20270702T130000Z",
        "END:VEVENT", "END:VCALENDAR", ""])
    return _lines(
        f'From: "{name}" <{attendee}>', f"To: Cluster office <{to}>",
        "Subject: Neue Uhrzeit vorgeschlagen: Core Team meeting", "Date: Thu, 03 Dec 2026 10:30:00 +0100",
        f"Message-ID: {msgid}", "MIME-Version: 1.0", "Content-Language: de-DE",
        'Content-Type: multipart/alternative; boundary="_000_outlook_"', "",
        "--_000_outlook_", 'Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: 8bit", "",
        comment, "", "--_000_outlook_",
        'Content-Type: text/calendar; charset="utf-8"; method=COUNTER', "Content-Transfer-Encoding: 8bit", "",
        ics, "--_000_outlook_--")


def google_counter(uid: str, attendee: str, name: str, start: datetime, end: datetime, *, organizer: str,
                   sequence: int = 0, to: str, comment: str = "Could we start two hours later?",
                   msgid: str = "<counter-google-1@google.com>") -> bytes:
    """Google Calendar's "Propose a new time": subject "New event time proposed:", times in UTC,
    the full event with the proposer's ATTENDEE carrying X-RESPONSE-COMMENT and X-NUM-GUESTS, no
    COMMENT property (the words are in the mail's text), and the calendar also attached as
    invite.ics. As reported in nextcloud/calendar #7787 and sabre-io/vobject's COUNTER tests,
    and Google's own iCalendar (PRODID "-//Google Inc//Google Calendar 70.9054//EN")."""
    ics = CRLF.join([
        "BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
        "CALSCALE:GREGORIAN", "METHOD:COUNTER", "BEGIN:VEVENT",
        f"DTSTART:{_stamp(start)}", f"DTEND:{_stamp(end)}", "DTSTAMP:20261203T093000Z",
        f"ORGANIZER;CN=Cluster office:mailto:{organizer}", f"UID:{uid}",
        f'ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN={name};X-NUM-GUESTS=0;'
        f'X-RESPONSE-COMMENT="{comment}":mailto:{attendee}',
        "CREATED:20261201T120000Z", "LAST-MODIFIED:20261203T093000Z", "LOCATION:High Tech Factory",
        f"SEQUENCE:{sequence}", "STATUS:CONFIRMED", "SUMMARY:Core Team meeting", "TRANSP:OPAQUE",
        "END:VEVENT", "END:VCALENDAR", ""])
    return _lines(
        f"From: {name} <{attendee}>", f"To: {to}", "Subject: New event time proposed: Core Team meeting",
        "Date: Thu, 03 Dec 2026 09:30:00 +0000", f"Message-ID: {msgid}", "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="000000000000mixed"', "",
        "--000000000000mixed", 'Content-Type: multipart/alternative; boundary="000000000000alt"', "",
        "--000000000000alt", 'Content-Type: text/plain; charset="UTF-8"', "",
        f"{name} has proposed a new time for this event.", "", f"Reason: {comment}", "",
        "Invitation from Google Calendar", "",
        "--000000000000alt", 'Content-Type: text/calendar; charset="UTF-8"; method=COUNTER', "",
        ics, "--000000000000alt--", "",
        "--000000000000mixed", 'Content-Type: application/ics; name="invite.ics"',
        'Content-Disposition: attachment; filename="invite.ics"', "", ics, "--000000000000mixed--")


def delegation(uid: str, delegator: str, colleague: str, colleague_name: str, *, organizer: str, to: str,
               sequence: int = 0, msgid: str = "<delegated-1@example.nl>") -> bytes:
    """A REPLY with PARTSTAT=DELEGATED and DELEGATED-TO, and the colleague's own ATTENDEE line
    with DELEGATED-FROM, as RFC 5546 3.2.2.3 shows it and Thunderbird (calItipUtils) sends it."""
    ics = CRLF.join([
        "BEGIN:VCALENDAR", "PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN", "VERSION:2.0",
        "METHOD:REPLY", "BEGIN:VEVENT", "DTSTAMP:20261203T093000Z", f"UID:{uid}", f"SEQUENCE:{sequence}",
        f"ORGANIZER;CN=Cluster office:mailto:{organizer}",
        f'ATTENDEE;PARTSTAT=DELEGATED;DELEGATED-TO="mailto:{colleague}":mailto:{delegator}',
        f'ATTENDEE;PARTSTAT=NEEDS-ACTION;CN="{colleague_name}";DELEGATED-FROM="mailto:{delegator}";'
        f"RSVP=TRUE:mailto:{colleague}",
        "END:VEVENT", "END:VCALENDAR", ""])
    return _lines(
        f"From: <{delegator}>", f"To: {to}", "Subject: Delegated: Core Team meeting",
        "Date: Thu, 03 Dec 2026 09:30:00 +0000", f"Message-ID: {msgid}", "MIME-Version: 1.0",
        'Content-Type: text/calendar; charset="utf-8"; method=REPLY', "", ics)


def person_writes(sender: str, name: str, to: str, text: str, *, subject: str = "Re: Invitation: Core Team meeting",
                  msgid: str = "<late-1@example.org>") -> bytes:
    """A person answering the invitation's mail in words only (no calendar part)."""
    return _lines(f"From: {name} <{sender}>", f"To: {to}", f"Subject: {subject}",
                  "Date: Thu, 03 Dec 2026 09:30:00 +0000", f"Message-ID: {msgid}", "MIME-Version: 1.0",
                  'Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: 8bit", "", text)


def outlook_out_of_office(sender: str, name: str, to: str, *, auto_submitted: bool = True,
                          msgid: str = "<oof-1@example.de>") -> bytes:
    """Exchange's automatic reply (Outlook "Automatic Replies"): subject "Automatic reply: ...",
    X-Auto-Response-Suppress: All, Auto-Submitted: auto-replied, and the organisation's own
    header X-MS-Exchange-Inbox-Rules-Loop; older Exchange servers leave Auto-Submitted out, so the
    subject is all there is ([MS-OXCMAIL] 2.2.3.2.14, 2.1.3.2.20)."""
    headers = [f'From: "{name}" <{sender}>', f"To: {to}", "Subject: Automatic reply: Invitation: Core Team meeting",
               "Date: Thu, 03 Dec 2026 09:30:00 +0000", f"Message-ID: {msgid}", "MIME-Version: 1.0",
               "X-Auto-Response-Suppress: All", f"X-MS-Exchange-Inbox-Rules-Loop: {sender}"]
    if auto_submitted:
        headers.append("Auto-Submitted: auto-replied")
    return _lines(*headers, 'Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: 8bit", "",
                  "Ich bin bis zum 14. Dezember nicht im Büro.")


def postfix_bounce(failed: str, *, returned_reply_to: str, to: str, msgid: str = "<20261203.3F2A1C@mail.example.de>"
                   ) -> bytes:
    """Postfix's delivery status notification (bounce(8), RFC 3464): "Undelivered Mail Returned to
    Sender" from MAILER-DAEMON with Auto-Submitted: auto-replied, multipart/report with a text
    notification, message/delivery-status (Final-Recipient, Action: failed, Status 5.1.1,
    Diagnostic-Code) and the returned message as message/rfc822."""
    boundary = "3F2A1C0123.1796299800/mail.example.de"
    return _lines(
        "From: MAILER-DAEMON@mail.example.de (Mail Delivery System)", f"To: {to}",
        "Subject: Undelivered Mail Returned to Sender", "Date: Thu, 03 Dec 2026 09:30:00 +0100 (CET)",
        f"Message-Id: {msgid}", "Auto-Submitted: auto-replied", "MIME-Version: 1.0",
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
        "Content-Transfer-Encoding: 8bit", "", "This is a MIME-encapsulated message.", "",
        f"--{boundary}", "Content-Description: Notification", "Content-Type: text/plain; charset=us-ascii", "",
        "This is the mail system at host mail.example.de.", "",
        "I'm sorry to have to inform you that your message could not",
        "be delivered to one or more recipients. It's attached below.", "",
        f"<{failed}>: host mx.example.de[192.0.2.7] said: 550 5.1.1 <{failed}>:",
        "    Recipient address rejected: User unknown in local recipient table (in reply",
        "    to RCPT TO command)", "",
        f"--{boundary}", "Content-Description: Delivery report", "Content-Type: message/delivery-status", "",
        "Reporting-MTA: dns; mail.example.de", "X-Postfix-Queue-ID: 3F2A1C0123",
        "X-Postfix-Sender: rfc822; cluster@meetings.test", "Arrival-Date: Thu,  3 Dec 2026 09:29:58 +0100 (CET)", "",
        f"Final-Recipient: rfc822; {failed}", f"Original-Recipient: rfc822;{failed}", "Action: failed",
        "Status: 5.1.1", "Remote-MTA: dns; mx.example.de",
        f"Diagnostic-Code: smtp; 550 5.1.1 <{failed}>: Recipient address rejected: User",
        "    unknown in local recipient table", "",
        f"--{boundary}", "Content-Description: Undelivered Message", "Content-Type: message/rfc822",
        "Content-Transfer-Encoding: 8bit", "",
        "From: Cluster office <cluster@meetings.test>", f"To: <{failed}>", f"Reply-To: {returned_reply_to}",
        "Subject: Invitation: Core Team meeting", "Message-ID: <abc@meetings.test>", "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"', "", "You are invited.", "",
        f"--{boundary}--")


def exchange_bounce(failed: str, *, to: str, returned_reply_to: str | None = None,
                    msgid: str = "<ndr-1@AM6PR01MB1234.eurprd01.prod.exchangelabs.com>") -> bytes:
    """Exchange Online's non-delivery report: "Undeliverable:" from postmaster, multipart/report;
    report-type=delivery-status with an HTML and text explanation, message/delivery-status
    (Status 5.1.10 RESOLVER.ADR.RecipientNotFound) and only the returned headers as
    text/rfc822-headers (Microsoft's "NDRs in Exchange Online", error code 550 5.1.10)."""
    boundary = "_ndr_boundary_"
    returned = ["From: Cluster office <cluster@meetings.test>", f"To: <{failed}>",
                "Subject: Invitation: Core Team meeting", "Message-ID: <def@meetings.test>"]
    if returned_reply_to:
        returned.insert(2, f"Reply-To: {returned_reply_to}")
    return _lines(
        "From: postmaster@outlook.com", f"To: {to}", "Subject: Undeliverable: Invitation: Core Team meeting",
        "Date: Thu, 3 Dec 2026 09:30:00 +0000", f"Message-ID: {msgid}", "MIME-Version: 1.0",
        "X-MS-Exchange-Message-Is-Ndr:", "Content-Language: en-US",
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"', "",
        f"--{boundary}", 'Content-Type: multipart/alternative; differences=Content-Type; boundary="_alt_"', "",
        "--_alt_", 'Content-Type: text/plain; charset="us-ascii"', "",
        f"Your message to {failed} couldn't be delivered.", f"{failed.partition('@')[0]} wasn't found at "
        f"{failed.partition('@')[2]}.", "", "--_alt_", 'Content-Type: text/html; charset="us-ascii"', "",
        f"<p>Your message to {failed} couldn't be delivered.</p>", "--_alt_--", "",
        f"--{boundary}", "Content-Type: message/delivery-status", "",
        "Reporting-MTA: dns;AM6PR01MB1234.eurprd01.prod.exchangelabs.com",
        "Received-From-MTA: dns;mail.meetings.test", "Arrival-Date: Thu, 3 Dec 2026 09:29:58 +0000", "",
        f"Final-Recipient: rfc822;{failed}", "Action: failed", "Status: 5.1.10",
        "Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
        "", f"--{boundary}", "Content-Type: text/rfc822-headers", "", *returned, "", f"--{boundary}--")


def delayed_report(address: str, *, to: str) -> bytes:
    """A report that delivery is only delayed (Action: delayed, RFC 3464 2.3.3): no bounce."""
    return postfix_bounce(address, returned_reply_to="cluster@meetings.test", to=to,
                          msgid="<delayed-1@mail.example.de>").replace(b"Action: failed", b"Action: delayed")
