#!/usr/bin/env python3
"""Opens N mutual-TLS keep-alive connections to a server and holds them idle.

Used by bench/run-nginx-compare to measure a server's memory per idle
connection. Each connection completes the TLS handshake with a client
certificate and one `GET /healthz` (so the server has built its full TLS and
HTTP state for it); then nothing more is sent. When all N are open the script
prints `ready N` on stdout and holds them until stdin closes or --hold seconds
pass, whichever comes first; then it closes them and exits.

Exit status: 0 when all N connections were opened and answered 200; 1 on the
first connection that fails (the error goes to stderr; the script does not
retry); 2 on bad arguments.

Bounded: N <= 100000, every socket operation has --timeout seconds, the whole
opening phase has --deadline seconds.
"""

import argparse
import os
import select
import socket
import ssl
import sys
import time

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: poort-bench\r\n\r\n"
MAX_RESPONSE = 64 * 1024


def read_response(tls: ssl.SSLSocket) -> int:
    """Reads one response with a Content-Length body; returns its status."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = tls.recv(4096)
        if not chunk:
            raise ConnectionError("connection closed before the response head")
        data += chunk
        if len(data) > MAX_RESPONSE:
            raise ConnectionError("response head too large")
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length > MAX_RESPONSE:
        raise ConnectionError("response body too large")
    while len(body) < length:
        chunk = tls.recv(length - len(body))
        if not chunk:
            raise ConnectionError("connection closed inside the response body")
        body += chunk
    return status


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--ca", required=True, help="CA bundle that signed the server certificate")
    p.add_argument("--cert", required=True, help="client certificate (PEM)")
    p.add_argument("--key", required=True, help="client key (PEM)")
    p.add_argument("--timeout", type=float, default=10.0, help="per socket operation, seconds")
    p.add_argument("--deadline", type=float, default=300.0, help="for opening all connections, seconds")
    p.add_argument("--hold", type=float, default=120.0, help="hold at most this long, seconds")
    args = p.parse_args()
    if not 1 <= args.count <= 100_000:
        print("hold_connections: --count must be 1..100000", file=sys.stderr)
        return 2

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_verify_locations(args.ca)
    ctx.load_cert_chain(args.cert, args.key)

    held = []
    started = time.monotonic()
    try:
        for i in range(args.count):
            if time.monotonic() - started > args.deadline:
                print(f"hold_connections: deadline passed after {i} connections", file=sys.stderr)
                return 1
            raw = socket.create_connection(("127.0.0.1", args.port), timeout=args.timeout)
            # As ab does: without it Nagle holds the request behind the
            # client's last handshake flight until the delayed ACK (40 ms).
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            tls = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
            held.append(tls)
            tls.sendall(REQUEST)
            status = read_response(tls)
            if status != 200:
                print(f"hold_connections: connection {i}: status {status}", file=sys.stderr)
                return 1
    except (OSError, ValueError, IndexError) as e:
        print(f"hold_connections: connection {len(held)}: {e}", file=sys.stderr)
        return 1

    print(f"ready {len(held)} {time.monotonic() - started:.1f}s", flush=True)
    # Hold until stdin closes (the caller is done measuring) or --hold passes.
    deadline = time.monotonic() + args.hold
    while (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([sys.stdin], [], [], min(left, 1.0))
        if readable and not os.read(sys.stdin.fileno(), 4096):
            break
    for tls in held:
        tls.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
