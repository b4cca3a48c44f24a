#!/usr/bin/env python3
"""cpio.py OUT DIR [--dev PATH:c|b:MAJOR:MINOR:MODE]...: a newc archive of DIR.

The initramfs format the kernel unpacks.  Every entry is owned by root, with
a fixed mtime, in sorted order, so the same tree gives the same bytes.
--dev adds device nodes (/dev/console) that cannot be made in DIR without
mknod.  OUT ending in .gz is gzip-compressed.  Standard library only.
"""
import gzip
import os
import stat
import sys

MTIME = 1700000000


def header(ino, mode, nlink, size, rdevmaj, rdevmin, name):
    nb = name.encode() + b"\0"
    fields = (ino, mode, 0, 0, nlink, MTIME, size, 0, 0, rdevmaj, rdevmin,
              len(nb), 0)
    h = b"070701" + b"".join(b"%08X" % f for f in fields) + nb
    return h + b"\0" * ((4 - len(h) % 4) % 4)


def pad(data):
    return data + b"\0" * ((4 - len(data) % 4) % 4)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    out, top = argv[1], argv[2]
    devs = []
    i = 3
    while i < len(argv):
        if argv[i] != "--dev" or i + 1 >= len(argv):
            sys.exit(__doc__)
        path, kind, major, minor, mode = argv[i + 1].split(":")
        devs.append((path.lstrip("/"), kind, int(major), int(minor), int(mode, 8)))
        i += 2

    entries = []
    for root, dirs, files in os.walk(top):
        dirs.sort()
        rel = os.path.relpath(root, top)
        for name in sorted(dirs) + sorted(files):
            p = os.path.join(root, name)
            entries.append((os.path.normpath(os.path.join(rel, name)), p))
    entries.sort()
    devnames = {d[0] for d in devs}

    parts = []
    ino = 1
    for name, p in entries:
        if name in devnames:
            continue
        st = os.lstat(p)
        mode = st.st_mode
        if stat.S_ISLNK(mode):
            data = os.readlink(p).encode()
        elif stat.S_ISREG(mode):
            with open(p, "rb") as f:
                data = f.read()
        elif stat.S_ISDIR(mode):
            data = b""
        else:
            continue
        parts.append(header(ino, mode, 2 if stat.S_ISDIR(mode) else 1,
                            len(data), 0, 0, name))
        parts.append(pad(data))
        ino += 1
    for name, kind, major, minor, mode in devs:
        fmt = stat.S_IFCHR if kind == "c" else stat.S_IFBLK
        parts.append(header(ino, fmt | mode, 1, 0, major, minor, name))
        ino += 1
    parts.append(header(0, 0, 1, 0, 0, 0, "TRAILER!!!"))
    blob = b"".join(parts)
    blob += b"\0" * ((512 - len(blob) % 512) % 512)

    tmp = out + ".tmp"
    if out.endswith(".gz"):
        with open(tmp, "wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                               compresslevel=6) as gz:
                gz.write(blob)
            # the kernel looks for the next archive at a 4-byte boundary
            raw.write(b"\0" * ((4 - raw.tell() % 4) % 4))
    else:
        with open(tmp, "wb") as f:
            f.write(blob)
    os.replace(tmp, out)


if __name__ == "__main__":
    main(sys.argv)
