#!/usr/bin/env python3
"""A tiny SMTP sink for tests: ESMTP with STARTTLS (required before MAIL),
optional AUTH PLAIN, every message written to OUT_DIR/<n>.eml. Loopback only.

  smtp_sink.py --cert CRT --key KEY --out DIR [--fail-first N] [--no-starttls]
               [--user U --password P]

Prints the port it listens on (127.0.0.1, ephemeral) as its first line.
"""
import argparse
import asyncio
import base64
import os
import ssl
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--fail-first", type=int, default=0, help="answer 451 to the first N messages")
    ap.add_argument("--no-starttls", action="store_true", help="do not offer STARTTLS")
    ap.add_argument("--user")
    ap.add_argument("--password")
    args = ap.parse_args()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    state = {"messages": 0, "failed": 0}

    async def session(reader, writer):
        def send(line):
            writer.write((line + "\r\n").encode())

        tls = False
        authed = args.user is None
        send("220 sink ESMTP")
        await writer.drain()
        while True:
            raw = await reader.readline()
            if not raw:
                break
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                ext = ["sink"]
                if not tls and not args.no_starttls:
                    ext.append("STARTTLS")
                if tls and args.user is not None:
                    ext.append("AUTH PLAIN")
                for i, e in enumerate(ext):
                    send(("250-" if i < len(ext) - 1 else "250 ") + e)
            elif verb == "STARTTLS" and not tls and not args.no_starttls:
                send("220 ready for TLS")
                await writer.drain()
                await writer.start_tls(ctx)
                tls = True
            elif verb == "AUTH":
                parts = line.split(" ")
                token = parts[2] if len(parts) > 2 else ""
                if not token:  # no initial response: ask for it
                    send("334 ")
                    await writer.drain()
                    token = (await reader.readline()).decode("ascii", "replace").strip()
                expected = base64.b64encode(f"\0{args.user}\0{args.password}".encode()).decode()
                if tls and token == expected:
                    authed = True
                    send("235 ok")
                else:
                    send("535 authentication failed")
            elif verb == "MAIL":
                send("250 ok" if tls and authed else "530 must issue STARTTLS and AUTH first")
            elif verb == "RCPT":
                send("250 ok")
            elif verb == "DATA":
                send("354 end with .")
                await writer.drain()
                lines = []
                while True:
                    d = await reader.readline()
                    if not d or d in (b".\r\n", b".\n"):
                        break
                    lines.append(d[1:] if d.startswith(b"..") else d)
                if state["failed"] < args.fail_first:
                    state["failed"] += 1
                    send("451 try again later")
                else:
                    state["messages"] += 1
                    path = os.path.join(args.out, f"{state['messages']}.eml")
                    with open(path + ".tmp", "wb") as f:
                        f.write(b"".join(lines))
                    os.rename(path + ".tmp", path)
                    send("250 queued")
            elif verb == "QUIT":
                send("221 bye")
                await writer.drain()
                break
            else:
                send("250 ok")
            await writer.drain()
        writer.close()

    async def serve():
        server = await asyncio.start_server(session, "127.0.0.1", 0)
        print(server.sockets[0].getsockname()[1], flush=True)
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
