#!/usr/bin/python3
"""Slow and flooding TLS clients for scripts/slow-clients (loopback only).

slowhttptest cannot present a client certificate, so the attacks on poortd's
system listener (mutual TLS) are made here, and the legitimate-client probe
and the connection flood too. Standard library only. Every mode prints one
JSON line with its figures and exits 1 when a bound it was given is broken.

  probe     every INTERVAL s a new connection from --source asks GET --path and
            must get 200 within --timeout; runs until --duration or SIGTERM.
  handshake N TCP connections that never start TLS: each must be closed by the
            server within --bound s (the handshake timeout).
  idle      N connections make one request and then idle: each must be closed
            after --min s and within --bound s (the idle keep-alive timeout).
  headers   slowloris: N connections send a request head one header line per
            INTERVAL s; each must be closed within --bound s.
  body      slow body: complete head with Content-Length, then one byte per
            INTERVAL s; each must be closed within --bound s.
  read      slow read: pipelined requests, 5 bytes read per INTERVAL s through a
            1 KiB window; poortd's open-connection gauge must fall within --bound s.
  flood     N TCP connections at once from one address: at most --limit may
            stay open, and those must be closed within --bound s.
  gauge     prints poortd's open connections on --listener (from /metrics on
            --metrics-port).
"""
import argparse
import asyncio
import json
import signal
import socket
import ssl
import sys
import time


def tls_context(args):
    ctx = ssl.create_default_context(cafile=args.ca)
    ctx.check_hostname = False  # the server certificate is for localhost; we dial 127.0.0.1
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    return ctx


async def open_tls(args, ctx, rcvbuf=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if args.source:
        sock.bind((args.source, 0))
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", args.port))
    return await asyncio.wait_for(
        asyncio.open_connection(sock=sock, ssl=ctx, server_hostname="localhost", limit=1 << 16),
        args.timeout)


async def wait_closed_by_server(reader, writer, drip, interval, deadline):
    """Sends drip() every interval until the server closes; returns the time it did, or None."""
    while time.monotonic() < deadline:
        data = drip()
        try:
            if data:
                writer.write(data)
                await writer.drain()
            chunk = await asyncio.wait_for(reader.read(5), interval)
            if not chunk:
                return time.monotonic()
        except asyncio.TimeoutError:
            continue
        except (ConnectionError, ssl.SSLError, OSError):
            return time.monotonic()
    return None


async def attack(args):
    ctx = tls_context(args)
    lifetimes, open_failed, survived = [], 0, 0
    deadline = time.monotonic() + args.duration

    async def one(i):
        nonlocal open_failed, survived
        await asyncio.sleep(i / args.rate)
        t0 = time.monotonic()
        if args.mode == "handshake":
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
            except OSError:
                open_failed += 1
                return
            closed = await wait_closed_by_server(reader, writer, lambda: b"", args.interval, deadline)
        else:
            try:
                reader, writer = await open_tls(args, ctx)
            except (OSError, ssl.SSLError, asyncio.TimeoutError):
                open_failed += 1
                return
            if args.mode == "idle":  # one request, then a keep-alive connection left idle
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
                drip = lambda: b""
            elif args.mode == "headers":
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
                n = iter(range(10**9))
                drip = lambda: b"X-S%d: %d\r\n" % (next(n), i)
            elif args.mode == "body":
                writer.write(b"POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 4096\r\n\r\n" % args.path.encode())
                drip = lambda: b"{"
            else:
                raise ValueError(args.mode)
            closed = await wait_closed_by_server(reader, writer, drip, args.interval, deadline)
        if closed is None:
            survived += 1
        else:
            lifetimes.append(closed - t0)
        writer.close()

    await asyncio.gather(*(one(i) for i in range(args.connections)))
    worst = max(lifetimes, default=0.0)
    shortest = min(lifetimes, default=0.0)
    # A connection the client could not open in time (a busy machine) proves
    # nothing either way, but most must have been opened for the verdict to count.
    ok = (survived == 0 and worst <= args.bound and shortest >= args.min
          and len(lifetimes) >= 0.8 * args.connections)
    if args.mode == "handshake":  # connections refused outright are fine too
        ok = survived == 0 and worst <= args.bound
    print(json.dumps({"mode": args.mode, "port": args.port, "connections": args.connections,
                      "closed_by_server": len(lifetimes), "not_opened": open_failed,
                      "survived": survived, "min_lifetime_s": round(shortest, 2),
                      "max_lifetime_s": round(worst, 2), "bound_s": args.bound, "ok": ok}))
    return 0 if ok else 1


def metric(args, name, listener):
    """The value of poortd's gauge `name{listener=...}`, from /metrics on the portal (loopback only)."""
    ctx = ssl.create_default_context(cafile=args.ca)
    ctx.check_hostname = False
    with socket.create_connection(("127.0.0.1", args.metrics_port), 5, source_address=("127.0.0.3", 0)) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
    needle = '%s{listener="%s"} ' % (name, listener)
    for line in data.decode().splitlines():
        if line.startswith(needle):
            return float(line[len(needle):])
    raise RuntimeError("no " + needle)


def slow_read(args):
    """Slow read: each connection pipelines requests for a large response, then
    takes 5 bytes of ciphertext per interval through a 1 KiB receive window.
    The kernel keeps what the server already sent after the server closes, so
    the verdict is the server's own gauge of open connections on the listener:
    it must fall to at most the probe's connection within --bound s."""
    import threading
    ctx = tls_context(args)
    socks, opened = [], 0
    lock = threading.Lock()
    stop = threading.Event()
    request = b"GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % args.path.encode()

    def one(i):
        nonlocal opened
        time.sleep(i / args.rate)
        try:
            raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
            raw.settimeout(args.timeout)
            raw.connect(("127.0.0.1", args.port))
            s = ctx.wrap_socket(raw, server_hostname="localhost")
            s.sendall(request * 100)
        except (OSError, ssl.SSLError):
            return
        with lock:
            opened += 1
            socks.append(s)
        plain = socket.socket(fileno=__import__("os").dup(s.fileno()))
        plain.settimeout(args.interval)
        while not stop.is_set():
            try:
                if not plain.recv(5):
                    break
            except socket.timeout:
                pass
            except OSError:
                break
            stop.wait(args.interval)
        plain.close()

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(args.connections)]
    for t in threads:
        t.start()
    time.sleep(args.connections / args.rate + 1)
    listener = args.listener
    peak = metric(args, "poort_open_connections", listener)
    time.sleep(args.bound)
    after = metric(args, "poort_open_connections", listener)
    stop.set()
    for t in threads:
        t.join(5)
    for s in socks:
        s.close()
    ok = opened > 0 and after <= 2
    print(json.dumps({"mode": "read", "port": args.port, "connections": args.connections, "opened": opened,
                      "server_open_at_start": peak, "server_open_after_bound": after,
                      "bound_s": args.bound, "ok": ok}))
    return 0 if ok else 1


async def flood(args):
    """N TCP connections at once from one address. The per-address limit is
    applied at accept, before TLS, so plain TCP reaches it whatever the
    client's own handshake rate: at most --limit connections may stay open
    (the rest are closed at once), and those are closed by the handshake
    timeout within --bound s."""
    t0 = time.monotonic()

    async def one(_):
        try:
            r, w = await asyncio.open_connection("127.0.0.1", args.port)
        except OSError:
            return "refused", 0.0
        try:
            if not await asyncio.wait_for(r.read(1), 1.0):
                return "refused", 0.0
        except asyncio.TimeoutError:
            pass
        except (ConnectionError, OSError):
            return "refused", 0.0
        try:  # held open: wait for the server to close it
            left = max(0.1, t0 + args.bound + 5 - time.monotonic())
            data = await asyncio.wait_for(r.read(1), left)
            return ("closed", time.monotonic() - t0) if not data else ("spoke", 0.0)
        except asyncio.TimeoutError:
            return "survived", 0.0
        except (ConnectionError, OSError):
            return "closed", time.monotonic() - t0
        finally:
            w.close()

    results = await asyncio.gather(*(one(i) for i in range(args.connections)))
    held = sum(1 for r, _ in results if r in ("closed", "survived", "spoke"))
    survivors = sum(1 for r, _ in results if r != "refused" and r != "closed")
    worst = max((t for r, t in results if r == "closed"), default=0.0)
    # The limit holds (never more) and is the limit (not far fewer).
    ok = 0.9 * args.limit <= held <= args.limit and survivors == 0 and worst <= args.bound
    print(json.dumps({"mode": "flood", "port": args.port, "connections": args.connections,
                      "held_open": held, "limit": args.limit, "refused": args.connections - held,
                      "not_closed_by_server": survivors, "last_close_s": round(worst, 2),
                      "bound_s": args.bound, "ok": ok}))
    return 0 if ok else 1


def probe(args):
    ctx = tls_context(args)
    stop = False

    def on_term(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    ok = failed = 0
    worst = 0.0
    errors = []
    end = time.monotonic() + args.duration
    request = b"GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" % args.path.encode()
    while not stop and time.monotonic() < end:
        t0 = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", args.port), args.timeout,
                                          source_address=(args.source, 0) if args.source else None) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                    s.sendall(request)
                    head = s.recv(64)
            if not head.startswith(b"HTTP/1.1 200 "):
                raise RuntimeError(head[:40].decode(errors="replace") or "no response")
            ok += 1
        except Exception as e:  # noqa: BLE001 - every failure counts, with its reason
            failed += 1
            errors.append(f"{time.strftime('%H:%M:%S')} {type(e).__name__}: {e}")
        took = time.monotonic() - t0
        worst = max(worst, took)
        time.sleep(max(0.0, args.interval - took))
    print(json.dumps({"mode": "probe", "port": args.port, "served": ok, "failed": failed,
                      "max_latency_s": round(worst, 3), "errors": errors[:5], "ok": failed == 0 and ok > 0}))
    return 0 if failed == 0 and ok > 0 else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["probe", "handshake", "idle", "headers", "body", "read", "flood", "gauge"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--source", help="local address to connect from (e.g. 127.0.0.2)")
    p.add_argument("--path", default="/healthz")
    p.add_argument("--connections", type=int, default=300)
    p.add_argument("--rate", type=float, default=100, help="new connections per second")
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--duration", type=float, default=75)
    p.add_argument("--timeout", type=float, default=5)
    p.add_argument("--bound", type=float, default=15, help="the server must close within this (s)")
    p.add_argument("--min", type=float, default=0, help="and not before this (s)")
    p.add_argument("--limit", type=int, default=256)
    p.add_argument("--metrics-port", type=int, help="the portal port, for /metrics (read mode)")
    p.add_argument("--listener", default="system", help="portal|system: whose gauge to read (read mode)")
    args = p.parse_args()
    if args.mode == "probe":
        return probe(args)
    if args.mode == "flood":
        return asyncio.run(flood(args))
    if args.mode == "read":
        return slow_read(args)
    if args.mode == "gauge":
        print(int(metric(args, "poort_open_connections", args.listener)))
        return 0
    return asyncio.run(attack(args))


if __name__ == "__main__":
    sys.exit(main())
