#!/usr/bin/env python3
"""httpd.py DIR [LOG]: answer one HTTP/1.1 request on stdin/stdout with a file of DIR.

qemu runs it for every connection the VM makes to the guestfwd address
(-netdev user,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:...), so the device
reaches a test server without any socket on the host and without a way out.
GET and HEAD, no ranges, "Connection: close".  Never writes to stderr:
libslirp gives the command the connection as stdin, stdout and stderr.
One line per request goes to LOG when given.
"""
import os
import sys


def main():
    top = os.path.realpath(sys.argv[1])
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    line = inp.readline().decode("latin-1").strip()
    while True:
        h = inp.readline()
        if not h or h in (b"\r\n", b"\n"):
            break
    parts = line.split()
    status, body, size = "400 Bad Request", b"", 0
    path = None
    if len(parts) == 3 and parts[0] in ("GET", "HEAD"):
        p = os.path.realpath(os.path.join(top, parts[1].split("?")[0].lstrip("/")))
        if p.startswith(top + "/") and os.path.isfile(p):
            status, path, size = "200 OK", p, os.path.getsize(p)
        else:
            status, body = "404 Not Found", b"not found\n"
            size = len(body)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "a") as log:
            log.write("httpd.py: %s -> %s\n" % (line, status))
    out.write(("HTTP/1.1 %s\r\nContent-Length: %d\r\nContent-Type: application/octet-stream\r\n"
               "Connection: close\r\n\r\n" % (status, size)).encode())
    if parts and parts[0] == "GET":
        if path:
            with open(path, "rb") as f:
                while True:
                    chunk = f.read(65536)
                    if not chunk:
                        break
                    out.write(chunk)
        else:
            out.write(body)
    out.flush()


if __name__ == "__main__":
    main()
