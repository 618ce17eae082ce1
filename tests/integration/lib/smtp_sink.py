#!/usr/bin/python3
"""A real SMTP server on loopback for the notify tests (Debian's aiosmtpd).

usage: smtp_sink.py DIR PORT [CERT KEY USER PASSWORD]

Every message it accepts is written to DIR/<n>.json ({mail_from, rcpt_tos,
data}) before it answers.  What it answers is read from DIR/mode at each
message: "ok" (250), "refuse" (451, try later), or "slow N" (the message
is written, then N seconds pass before the 250: a client killed in between
has had its message accepted without hearing so).  DIR/<n>.json.t holds
the time (ms) of each 250.  Prints READY once
listening.  With CERT and KEY it offers STARTTLS and requires it, and
takes AUTH (after STARTTLS only) for USER with PASSWORD, writing each login
it is given to DIR/logins.
"""
import asyncio
import json
import os
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Sink:
    def __init__(self, out):
        self.out = out
        self.n = 0

    def mode(self):
        try:
            with open(os.path.join(self.out, 'mode')) as f:
                return f.read().split()
        except OSError:
            return ['ok']

    async def handle_DATA(self, server, session, envelope):
        mode = self.mode()
        if mode and mode[0] == 'refuse':
            return '451 4.3.0 try again later'
        self.n += 1
        path = os.path.join(self.out, '%06d-%d.json' % (self.n, os.getpid()))
        with open(path + '.tmp', 'w') as f:
            json.dump({'mail_from': envelope.mail_from, 'rcpt_tos': envelope.rcpt_tos,
                       'data': envelope.content.decode('utf-8', 'replace')}, f)
        os.rename(path + '.tmp', path)
        if mode and mode[0] == 'slow':
            await asyncio.sleep(float(mode[1]))
        # when the 250 goes: the test measures how long the server takes
        # to record the message sent after it
        with open(path + '.t', 'w') as f:
            f.write('%d' % int(time.time() * 1000))
        return '250 2.0.0 accepted'


def main():
    out, port = sys.argv[1], int(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    tls = {}
    if len(sys.argv) > 6:
        cert, key, user, password = sys.argv[3:7]
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)

        def authenticator(server, session, envelope, mechanism, auth_data):
            login = auth_data.login.decode()
            with open(os.path.join(out, 'logins'), 'a') as f:
                f.write(login + '\n')
            ok = login == user and auth_data.password.decode() == password
            return AuthResult(success=ok)

        tls = {'tls_context': ctx, 'require_starttls': True, 'authenticator': authenticator,
               'auth_required': True}
    c = Controller(Sink(out), hostname='127.0.0.1', port=port, server_hostname='localhost',
                   **tls)
    c.start()
    print('READY', flush=True)
    try:
        sys.stdin.read()  # until the test closes our stdin or kills us
    finally:
        c.stop()


main()
