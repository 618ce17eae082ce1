#!/usr/bin/python3
"""Parses every message smtp_sink.py wrote in DIR, with Python's own e-mail
parser, and prints them as JSON: envelope, every header (decoded), the
names of the headers in order, and the text of each MIME part."""
import email
import email.policy
import glob
import json
import os
import sys

out = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], '*.json'))):
    with open(path) as f:
        m = json.load(f)
    msg = email.message_from_string(m['data'], policy=email.policy.default)
    parts = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        parts.append({'type': part.get_content_type(), 'charset': part.get_content_charset(),
                      'cte': part.get('Content-Transfer-Encoding'),
                      'text': part.get_content()})
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
