#!/usr/bin/python3
"""Parses every message smtp_sink.py wrote in DIR, with Python's own e-mail
parser, and prints them as JSON: envelope, every header (decoded), the
names of the headers in order, and the text of each MIME part; a calendar
part is also read with python3-icalendar."""
import email
import email.policy
import glob
import json
import os
import sys

import icalendar

out = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], '*.json'))):
    with open(path) as f:
        m = json.load(f)
    msg = email.message_from_string(m['data'], policy=email.policy.default)
    parts = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        p = {'type': part.get_content_type(), 'charset': part.get_content_charset(),
             'cte': part.get('Content-Transfer-Encoding'), 'text': part.get_content()}
        if p['type'] == 'text/calendar':  # read by python3-icalendar
            p['method_param'] = part.get_param('method')
            cal = icalendar.Calendar.from_ical(p['text'])
            ev = [c for c in cal.walk() if c.name == 'VEVENT'][0]
            p['calendar'] = {
                'method': str(cal.get('method')), 'uid': str(ev.get('uid')),
                'sequence': int(ev.get('sequence')), 'status': str(ev.get('status')),
                'start': int(ev.decoded('dtstart').timestamp() * 1000),
                'end': int(ev.decoded('dtend').timestamp() * 1000),
                'summary': str(ev.get('summary')), 'location': str(ev.get('location', '')),
                'organizer': str(ev.get('organizer')), 'attendee': str(ev.get('attendee'))}
        parts.append(p)
    try:
        with open(path + '.t') as f:
            accepted_at = int(f.read())
    except OSError:
        accepted_at = None
    out.append({'file': os.path.basename(path), 'accepted_at': accepted_at,
                'mail_from': m['mail_from'],
                'rcpt_tos': m['rcpt_tos'], 'header_names': [k for k, _ in msg.items()],
                'headers': {k.lower(): str(v) for k, v in msg.items()},
                'content_type': msg.get_content_type(), 'parts': parts})
print(json.dumps(out))
