#!/usr/bin/env python3
"""A municipality's push endpoint for the deliveries integration test.

Serves HTTPS on 127.0.0.1 (ephemeral port, printed as "PORT <n>" on stdout),
requires a client certificate chained to --ca, answers 503 to the first
--fail-first POSTs, and keeps an idempotent store keyed by the berichtId in
the Idempotency-Key header: a repeated id is answered 200 and not stored
again. After every request it rewrites --state (JSON): {"requests": n,
"failures": n, "stored": {id: body}, "duplicates": n, "client_oins": [...]}.
"""
import argparse
import json
import os
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--cert", required=True)
parser.add_argument("--key", required=True)
parser.add_argument("--ca", required=True)
parser.add_argument("--state", required=True)
parser.add_argument("--fail-first", type=int, default=0)
args = parser.parse_args()

lock = threading.Lock()
state = {"requests": 0, "failures": 0, "stored": {}, "duplicates": 0, "client_oins": []}


def save():
    tmp = args.state + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f)
    os.replace(tmp, args.state)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        key = self.headers.get("Idempotency-Key", "")
        cert = self.connection.getpeercert()
        oin = ""
        for rdn in cert.get("subject", ()):
            for name, value in rdn:
                if name == "serialNumber":
                    oin = value
        with lock:
            state["requests"] += 1
            if oin not in state["client_oins"]:
                state["client_oins"].append(oin)
            if state["requests"] <= args.fail_first:
                state["failures"] += 1
                status = 503
            elif key in state["stored"]:
                state["duplicates"] += 1
                status = 200
            else:
                state["stored"][key] = json.loads(body)
                status = 201
            save()
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(args.cert, args.key)
ctx.load_verify_locations(args.ca)
ctx.verify_mode = ssl.CERT_REQUIRED
server.socket = ctx.wrap_socket(server.socket, server_side=True)
with lock:
    save()
print("PORT", server.server_address[1], flush=True)
server.serve_forever()
