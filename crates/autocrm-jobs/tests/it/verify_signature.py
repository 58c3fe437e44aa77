#!/usr/bin/env python3
"""Verifies a Standard Webhooks signature, independently of the Rust code.

Usage: verify_signature.py SECRET WEBHOOK_ID WEBHOOK_TIMESTAMP WEBHOOK_SIGNATURE < body
Exits 0 when one of the signatures matches and the timestamp is within five
minutes of now; 1 otherwise. Standard library only, as a receiver would write it
from the specification (https://www.standardwebhooks.com/).
"""

import base64
import hashlib
import hmac
import sys
import time

TOLERANCE_SECONDS = 5 * 60


def main(argv):
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    secret, msg_id, timestamp, signature_header = argv[1:]
    body = sys.stdin.buffer.read()

    try:
        ts = int(timestamp)
    except ValueError:
        print("timestamp is not an integer", file=sys.stderr)
        return 1
    if abs(time.time() - ts) > TOLERANCE_SECONDS:
        print("timestamp outside tolerance", file=sys.stderr)
        return 1

    if secret.startswith("whsec_"):
        secret = secret[len("whsec_"):]
    key = base64.b64decode(secret)
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()

    # The header lists space-separated `version,signature` pairs.
    for entry in signature_header.split(" "):
        version, _, sig = entry.partition(",")
        if version == "v1" and hmac.compare_digest(sig, expected):
            return 0
    print("no matching signature", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
