#!/usr/bin/python3
"""Linux peers for KPIO's network tests, run inside the test's network
namespace. Each prints READY once listening (or connected), then one JSON line
with what it saw, and exits.

  peer.py source PORT BYTES      accept one connection, send random bytes
  peer.py sink PORT              accept one connection, read to the end
  peer.py echo PORT              echo every connection (until killed)
  peer.py close PORT             accept and close at once (until killed)
  peer.py send HOST PORT BYTES   connect and send random bytes
  peer.py recv HOST PORT         connect and read to the end
  peer.py http PORT DIR          HTTP/1.1 file server (until killed)
  peer.py echoclient HOST PORT   connect to an echo server; print the local
                                 port; each stdin line is sent and checked
"""
import hashlib
import http.server
import json
import os
import selectors
import socket
import sys


def ready():
    print("READY", flush=True)


def listener(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(512)
    return s


def send_random(conn, total):
    h = hashlib.sha256()
    sent = 0
    while sent < total:
        chunk = os.urandom(min(1 << 16, total - sent))
        conn.sendall(chunk)
        h.update(chunk)
        sent += len(chunk)
    conn.shutdown(socket.SHUT_WR)
    # Wait for the other side to close, so nothing is cut off.
    while conn.recv(65536):
        pass
    return h.hexdigest(), sent


def read_all(conn):
    h = hashlib.sha256()
    total = 0
    while True:
        data = conn.recv(1 << 16)
        if not data:
            break
        h.update(data)
        total += len(data)
    return h.hexdigest(), total


def report(digest, total):
    print(json.dumps({"sha256": digest, "bytes": total}), flush=True)


def echo(port):
    sel = selectors.DefaultSelector()
    srv = listener(port)
    srv.setblocking(False)
    sel.register(srv, selectors.EVENT_READ)
    ready()
    while True:
        for key, _ in sel.select():
            if key.fileobj is srv:
                conn, _ = srv.accept()
                conn.setblocking(False)
                sel.register(conn, selectors.EVENT_READ)
                continue
            conn = key.fileobj
            try:
                data = conn.recv(65536)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                data = b""
            if not data:
                sel.unregister(conn)
                conn.close()
                continue
            conn.setblocking(True)
            conn.sendall(data)
            conn.setblocking(False)


def close_server(port):
    srv = listener(port)
    ready()
    while True:
        conn, _ = srv.accept()
        conn.close()


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass


def main():
    mode = sys.argv[1]
    if mode == "source":
        srv = listener(int(sys.argv[2]))
        ready()
        conn, _ = srv.accept()
        report(*send_random(conn, int(sys.argv[3])))
    elif mode == "sink":
        srv = listener(int(sys.argv[2]))
        ready()
        conn, _ = srv.accept()
        report(*read_all(conn))
    elif mode == "send":
        conn = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=120)
        ready()
        report(*send_random(conn, int(sys.argv[4])))
    elif mode == "recv":
        conn = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=120)
        ready()
        report(*read_all(conn))
    elif mode == "echo":
        echo(int(sys.argv[2]))
    elif mode == "close":
        close_server(int(sys.argv[2]))
    elif mode == "echoclient":
        conn = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=60)
        print(f"READY {conn.getsockname()[1]}", flush=True)
        for line in sys.stdin:
            data = line.encode()
            conn.sendall(data)
            got = b""
            while len(got) < len(data):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                got += chunk
            print("echo ok" if got == data else f"echo bad {got[:40]!r}", flush=True)
        conn.close()
    elif mode == "http":
        os.chdir(sys.argv[3])
        httpd = http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[2])), Handler)
        ready()
        httpd.serve_forever()
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
