// Reads an iCalendar text on stdin, parses it with ical.js (Thunderbird's parser)
// and prints what ical.js understood as JSON. Exits with status 1 and the
// parser's message on stderr when ical.js rejects the text.
// Used by tests/calendar/checks.py (ical_js); run it with this folder as cwd.
import ICAL from 'ical.js';

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (chunk) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function pad(n) {
  return String(n).padStart(2, '0');
}

function offsetText(seconds) {
  const sign = seconds < 0 ? '-' : '+';
  const abs = Math.abs(seconds);
  return `${sign}${pad(Math.floor(abs / 3600))}:${pad(Math.floor((abs % 3600) / 60))}`;
}

// A time as ISO 8601 with the offset ical.js computed for it (from the VTIMEZONE).
function timeInfo(t) {
  if (!t) return null;
  const offset = t.utcOffset();
  return {
    iso: `${t.year}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}${offsetText(offset)}`,
    utc_offset_seconds: offset,
    zone: t.zone ? t.zone.tzid : null,
    is_date: t.isDate,
    unix: t.toUnixTime(),
  };
}

function address(prop) {
  if (!prop) return null;
  const params = {};
  for (const [name, value] of Object.entries(prop.toJSON()[1])) params[name] = value;
  return { value: prop.getFirstValue(), cn: prop.getParameter('cn') ?? null, params };
}

function text(component, name) {
  const value = component.getFirstPropertyValue(name);
  return value === null || value === undefined ? null : String(value);
}

const source = await readStdin();
let root;
try {
  root = new ICAL.Component(ICAL.parse(source));
} catch (error) {
  process.stderr.write(`ical.js rejected the calendar: ${error.message}\n`);
  process.exit(1);
}
if (root.name !== 'vcalendar') {
  process.stderr.write(`ical.js: top-level component is ${root.name}, not vcalendar\n`);
  process.exit(1);
}

// Times must be read after every zone is known: ical.js resolves TZID when it decodes a value.
const timezones = root.getAllSubcomponents('vtimezone').map((c) => {
  const zone = new ICAL.Timezone(c);
  ICAL.TimezoneService.register(zone);
  return zone.tzid;
});

const method = text(root, 'method');
const events = root.getAllSubcomponents('vevent').map((component) => {
  const event = new ICAL.Event(component);
  return {
    uid: event.uid,
    summary: event.summary ?? null,
    description: event.description ?? null,
    location: event.location ?? null,
    url: text(component, 'url'),
    // A DECLINECOUNTER or REFRESH carries no DTSTART, and ical.js derives the end from the start.
    start: component.hasProperty('dtstart') ? timeInfo(event.startDate) : null,
    end: component.hasProperty('dtstart') ? timeInfo(event.endDate) : null,
    dtstamp: timeInfo(component.getFirstPropertyValue('dtstamp')),
    last_modified: timeInfo(component.getFirstPropertyValue('last-modified')),
    sequence: event.sequence,
    status: text(component, 'status'),
    categories: component.getAllProperties('categories').flatMap((p) => p.getValues().map(String)),
    organizer: address(component.getFirstProperty('organizer')),
    attendees: component.getAllProperties('attendee').map(address),
    method,
  };
});

process.stdout.write(JSON.stringify({
  method,
  prodid: text(root, 'prodid'),
  version: text(root, 'version'),
  name: text(root, 'name'),
  x_wr_calname: text(root, 'x-wr-calname'),
  refresh_interval: text(root, 'refresh-interval'),
  timezones,
  events,
}));
