"""SMTP entry point of the testkit's MailServer: an aiosmtpd server on loopback
that delivers every accepted message into the Dovecot maildirs of its local
recipients and keeps a copy of everything it accepted in a sink directory.

Usage: smtp_deliver.py MAIL_ROOT SINK_DIR PORT_FILE USER...

- Binds 127.0.0.1 on a free port and writes that port to PORT_FILE (written
  to a temporary name, then renamed: a reader never sees half a number).
- A recipient maps to a user by lower-casing it and dropping a "+tag" from the
  local part (support+x@shop.example -> support@shop.example). Known users get
  the message in MAIL_ROOT/<user>/new/ (written to tmp/ first, then renamed,
  as maildir requires), with Return-Path, Delivered-To and X-Original-To
  prepended as a local delivery agent would. Other recipients are accepted
  too: their mail only lands in the sink (tests send to outside customers).
- The sink holds NNNNNN.eml (the message exactly as received) and
  NNNNNN.json ({"mail_from", "rcpt_tos"}); the .json is in place before the
  .eml appears.
"""

import asyncio
import itertools
import json
import os
import socket
import sys
import time

from aiosmtpd.smtp import SMTP

COUNTER = itertools.count(1)


def user_for(address, users):
    address = address.strip().lower()
    local, sep, domain = address.rpartition("@")
    if sep and "+" in local:
        address = local.split("+", 1)[0] + "@" + domain
    return address if address in users else None


def write_atomically(directory, tmp_directory, name, data):
    tmp_path = os.path.join(tmp_directory, name)
    with open(tmp_path, "wb") as f:
        f.write(data)
    os.rename(tmp_path, os.path.join(directory, name))


class Deliver:
    def __init__(self, mail_root, sink, users):
        self.mail_root = mail_root
        self.sink = sink
        self.users = set(users)
        os.makedirs(os.path.join(sink, "tmp"), exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content
        eol = b"\r\n" if b"\r\n" in raw else b"\n"
        sender = envelope.mail_from or ""
        delivered = set()
        for rcpt in envelope.rcpt_tos:
            user = user_for(rcpt, self.users)
            if user is None or user in delivered:
                continue
            delivered.add(user)
            trace = (
                b"Return-Path: <" + sender.encode() + b">" + eol
                + b"Delivered-To: " + rcpt.encode() + eol
                + b"X-Original-To: " + rcpt.encode() + eol
            )
            maildir = os.path.join(self.mail_root, user)
            name = "%d.M%dP%dQ%d.autocrm-test" % (time.time(), time.time_ns() % 1_000_000, os.getpid(), next(COUNTER))
            write_atomically(os.path.join(maildir, "new"), os.path.join(maildir, "tmp"), name, trace + raw)
        seq = "%06d" % next(COUNTER)
        tmp = os.path.join(self.sink, "tmp")
        meta = json.dumps({"mail_from": sender, "rcpt_tos": list(envelope.rcpt_tos)}).encode()
        write_atomically(self.sink, tmp, seq + ".json", meta)
        write_atomically(self.sink, tmp, seq + ".eml", raw)
        return "250 Message accepted for delivery"


def main():
    mail_root, sink, port_file, *users = sys.argv[1:]
    handler = Deliver(mail_root, sink, [u.lower() for u in users])
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(handler, enable_SMTPUTF8=True, hostname="mail.autocrm.test"), sock=sock)
    )
    port = server.sockets[0].getsockname()[1]
    with open(port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(port_file + ".tmp", port_file)
    loop.run_forever()


if __name__ == "__main__":
    main()
