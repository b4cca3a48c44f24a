#!/usr/bin/python3
"""Test server for test/root/pull.sh: HTTP and HTTPS on 127.0.0.1 only.

    pullserver.py --dir DIR --ports FILE [--log FILE] [--http NAME] [--https NAME:CERT:KEY]...

serves the files of DIR on one port per listener and writes "NAME PORT"
lines to FILE (atomically) once every port is bound.  Files are served with
Content-Length, ETag, Accept-Ranges and Range support.  A first path segment
from FAULTS serves the rest of the path with that fault instead (checksum
and signature files are always served as they are).
Every listener is also a proxy for this host: absolute-form GETs and
CONNECT; --log FILE records each request line.  Python's standard library
only.
"""
import argparse
import hashlib
import os
import select
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = "."
LOG = None
PORTS = {}
STALL_S = 30


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pullserver"

    def log_message(self, fmt, *args):
        if os.environ.get("PULLSERVER_LOG"):
            sys.stderr.write("pullserver: " + (fmt % args) + "\n")

    # --- helpers ---
    def raw(self, data):
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass

    def head(self, status, headers, reason=None):
        lines = ["HTTP/1.1 %d %s" % (status, reason or self.responses.get(status, ("X",))[0])]
        lines += ["%s: %s" % h for h in headers]
        self.raw(("\r\n".join(lines) + "\r\n\r\n").encode())

    def file(self, rel):
        path = os.path.normpath(os.path.join(ROOT, rel.lstrip("/")))
        if not path.startswith(os.path.abspath(ROOT)) or not os.path.isfile(path):
            return None
        with open(path, "rb") as f:
            return f.read()

    def etag(self, data):
        return '"%s"' % hashlib.sha256(data).hexdigest()[:16]

    def not_found(self):
        body = b"not found\n"
        self.head(404, [("Content-Length", len(body)), ("Connection", "close")])
        self.raw(body)

    def redirect(self, location, status=302):
        self.head(status, [("Location", location), ("Content-Length", 0), ("Connection", "close")])

    def other_port(self, name):
        return PORTS.get(name)

    # --- normal files, with ranges ---
    def serve(self, data, extra=()):
        tag = self.etag(data)
        rng = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if rng and rng.startswith("bytes=") and (not if_range or if_range == tag):
            first = int(rng[6:].split("-")[0])
            if first >= len(data):
                self.head(416, [("Content-Range", "bytes */%d" % len(data)),
                                ("Content-Length", 0), ("Connection", "close")])
                return
            part = data[first:]
            self.head(206, [("Content-Length", len(part)), ("ETag", tag),
                            ("Content-Range", "bytes %d-%d/%d" % (first, len(data) - 1, len(data))),
                            ("Accept-Ranges", "bytes"), ("Connection", "close")] + list(extra))
            self.raw(part)
            return
        self.head(200, [("Content-Length", len(data)), ("ETag", tag), ("Accept-Ranges", "bytes"),
                        ("Connection", "close")] + list(extra))
        self.raw(data)

    def chunked(self, data, sizes=(1, 7, 100, 4093, 65536)):
        self.head(200, [("Transfer-Encoding", "chunked"), ("Connection", "close")])
        pos, i = 0, 0
        while pos < len(data):
            n = sizes[i % len(sizes)]
            i += 1
            part = data[pos:pos + n]
            pos += len(part)
            self.raw(b"%x;ext=1\r\n%s\r\n" % (len(part), part))
        self.raw(b"0\r\nX-Trailer: yes\r\n\r\n")

    def slowly(self, data, chunk, pause, stop_after=None):
        self.head(200, [("Content-Length", len(data)), ("Connection", "close")])
        for pos in range(0, len(data), chunk):
            if stop_after is not None and pos >= stop_after:
                time.sleep(STALL_S)
                return
            self.raw(data[pos:pos + chunk])
            time.sleep(pause)

    # --- faults, selected by the first path segment ---
    def fault(self, kind, rest, data):
        half = len(data) // 2
        if kind == "truncated":
            self.head(200, [("Content-Length", len(data)), ("Connection", "close")])
            self.raw(data[:half])
        elif kind == "drop":
            # the first GET breaks off in the middle; the resume gets the rest
            if self.headers.get("Range"):
                self.serve(data)
            else:
                self.head(200, [("Content-Length", len(data)), ("ETag", self.etag(data)),
                                ("Accept-Ranges", "bytes"), ("Connection", "close")])
                self.raw(data[:half])
        elif kind == "changed":
            # breaks off, then answers the resume with a new file (200)
            if self.headers.get("Range"):
                self.head(200, [("Content-Length", len(data)), ("ETag", '"new"'),
                                ("Connection", "close")])
                self.raw(data)
            else:
                self.head(200, [("Content-Length", len(data)), ("ETag", '"old"'),
                                ("Accept-Ranges", "bytes"), ("Connection", "close")])
                self.raw(data[:half])
        elif kind == "cl-garbage":
            self.head(200, [("Content-Length", "12abc"), ("Connection", "close")])
            self.raw(data)
        elif kind == "cl-huge":
            self.head(200, [("Content-Length", "99999999999999999999"), ("Connection", "close")])
            self.raw(data)
        elif kind == "cl-conflict":
            self.head(200, [("Content-Length", len(data)), ("Content-Length", len(data) + 1),
                            ("Connection", "close")])
            self.raw(data)
        elif kind == "cl-short":
            self.head(200, [("Content-Length", half), ("Connection", "close")])
            self.raw(data)
        elif kind == "chunked":
            self.chunked(data)
        elif kind == "chunk-bad-hex":
            self.head(200, [("Transfer-Encoding", "chunked"), ("Connection", "close")])
            self.raw(b"%x\r\n%s\r\nzz\r\n" % (half, data[:half]))
        elif kind == "chunk-huge":
            self.head(200, [("Transfer-Encoding", "chunked"), ("Connection", "close")])
            self.raw(b"%x\r\n%s\r\n10000000000000000\r\n" % (half, data[:half]))
        elif kind == "chunk-no-crlf":
            self.head(200, [("Transfer-Encoding", "chunked"), ("Connection", "close")])
            self.raw(b"%x\r\n%sXX" % (half, data[:half]))
        elif kind == "chunk-cut":
            self.head(200, [("Transfer-Encoding", "chunked"), ("Connection", "close")])
            self.raw(b"%x\r\n%s\r\n" % (half, data[:half]))
        elif kind in ("no-length", "no-length-notify"):
            # a body delimited by the close; over TLS with or without close_notify
            self.head(200, [("Connection", "close")])
            self.raw(data)
            if kind == "no-length-notify" and isinstance(self.connection, ssl.SSLSocket):
                try:
                    self.connection.unwrap()
                except (OSError, ValueError):
                    pass
        elif kind == "stall":
            self.slowly(data, 16384, 0, stop_after=16384)
        elif kind == "slow":
            self.slowly(data, 4096, 0.05)
        else:
            return False
        return True

    def redirects(self, parts):
        kind = parts[0]
        if kind == "redirect-loop":
            self.redirect(self.path)
        elif kind == "redirect":
            # /redirect/N/rest: N hops, relative Location, then the file
            n = int(parts[1])
            rest = "/".join(parts[2:])
            up = "../" * (rest.count("/") + 2)
            self.redirect("/redirect/%d/%s" % (n - 1, rest) if n > 1 else up + rest)
        elif kind == "to-http":
            self.redirect("http://127.0.0.1:%s/%s" % (self.other_port("http"), "/".join(parts[1:])))
        elif kind == "to-https":
            self.redirect("https://localhost:%s/%s" % (self.other_port("good"), "/".join(parts[1:])), 301)
        elif kind == "to-ftp":
            self.redirect("ftp://127.0.0.1/" + "/".join(parts[1:]))
        else:
            return False
        return True

    def do_GET(self):
        # one request per connection: a cut body must end in EOF
        self.close_connection = True
        note(self.requestline)
        # a proxy's absolute-form request: served from here as well
        if self.path.startswith("http://"):
            self.path = "/" + self.path.split("/", 3)[3]
        parts = self.path.split("?")[0].lstrip("/").split("/")
        if self.redirects(parts):
            return
        if len(parts) > 1 and parts[0] in FAULTS:
            data = self.file("/".join(parts[1:]))
            if data is None:
                self.not_found()
            elif is_checksum_file(parts[-1]):
                self.serve(data)    # faults are for the image itself
            else:
                self.fault(parts[0], parts[1:], data)
            return
        data = self.file(self.path.split("?")[0])
        if data is None:
            self.not_found()
        else:
            self.serve(data)


    def do_CONNECT(self):
        """A proxy tunnel, to this host only"""
        self.close_connection = True
        note(self.requestline)
        port = int(self.path.rsplit(":", 1)[1])
        try:
            up = socket.create_connection(("127.0.0.1", port))
        except OSError:
            self.head(502, [("Content-Length", 0)])
            return
        self.raw(b"HTTP/1.1 200 Connection established\r\n\r\n")
        relay(self.connection, up)


def relay(a, b):
    socks = [a, b]
    try:
        while True:
            r, _, _ = select.select(socks, [], [], STALL_S)
            if not r:
                return
            for s in r:
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)
    except OSError:
        pass
    finally:
        b.close()


def is_checksum_file(name):
    return name.startswith("SHA256SUMS") or name.endswith((".sha256", ".asc", ".gpg"))


def note(line):
    if LOG:
        with open(LOG, "a") as f:
            f.write(line + "\n")


FAULTS = {"truncated", "drop", "changed", "cl-garbage", "cl-huge", "cl-conflict", "cl-short",
          "chunked", "chunk-bad-hex", "no-length", "no-length-notify", "chunk-huge", "chunk-no-crlf", "chunk-cut", "stall", "slow"}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    address_family = socket.AF_INET

    def handle_error(self, request, client_address):
        pass    # clients that hang up on purpose are the point of this server


def listener(name, certkey):
    srv = Server(("127.0.0.1", 0), Handler)
    if certkey:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(certkey[0], certkey[1])
        # the handshake in the handler's thread, not in the accept loop
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    PORTS[name] = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()


def main():
    global ROOT, LOG
    ap = argparse.ArgumentParser()
    ap.add_argument("--log")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--ports", required=True)
    ap.add_argument("--http", action="append", default=[])
    ap.add_argument("--https", action="append", default=[])
    a = ap.parse_args()
    ROOT = os.path.abspath(a.dir)
    LOG = a.log
    for name in a.http:
        listener(name, None)
    for spec in a.https:
        name, cert, key = spec.split(":")
        listener(name, (cert, key))
    tmp = a.ports + ".tmp"
    with open(tmp, "w") as f:
        for name, port in PORTS.items():
            f.write("%s %d\n" % (name, port))
    os.rename(tmp, a.ports)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
