# Helpers of the image store tests: tree manifests to compare copies,
# hostile tarballs, xz streams asking for giant dictionaries.
# Source after testing.sh.

# tree_manifest DIR: one line per entry (path, type, mode, owner, size,
# mtime, link target, device, xattrs, hard-link group), sorted; two trees
# with equal manifests are equal copies.  The root's own name is left out.
# NO_DIR_MTIME=1 leaves out the times of directories.
tree_manifest() {
	python3 - "$1" <<'EOF'
import os, stat, sys
root = sys.argv[1]
no_dir_mtime = os.environ.get("NO_DIR_MTIME") == "1"
first = {}
out = []
for d, dirs, files in os.walk(root):
    for n in [""] + dirs + files if d == root else dirs + files:
        p = os.path.join(d, n) if n else d
        st = os.lstat(p)
        rel = os.path.relpath(p, root)
        key = (st.st_dev, st.st_ino)
        group = first.setdefault(key, rel) if not stat.S_ISDIR(st.st_mode) and st.st_nlink > 1 else ""
        try:
            xa = sorted("%s=%s" % (k, os.getxattr(p, k, follow_symlinks=False).hex())
                        for k in os.listxattr(p, follow_symlinks=False))
        except OSError:
            xa = []
        link = os.readlink(p) if stat.S_ISLNK(st.st_mode) else ""
        dev = "%d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev)) if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else ""
        size = st.st_size if stat.S_ISREG(st.st_mode) else 0
        skip = stat.S_ISLNK(st.st_mode) or (no_dir_mtime and stat.S_ISDIR(st.st_mode))
        mtime = "" if skip else int(st.st_mtime)
        out.append("%s %o %d:%d %d %s %s %s %s %s" % (rel, st.st_mode, st.st_uid, st.st_gid, size,
                   mtime, link, dev, ",".join(xa), group))
print("\n".join(sorted(out)))
EOF
}

# same_tree A B: "same", or the first differences
same_tree() {
	local d
	d=$(diff <(tree_manifest "$1") <(tree_manifest "$2") | head -8)
	[ -z "$d" ] && echo same || printf '%s\n' "$d"
}

# hostile_tar KIND OUT SENTINEL [N]: a tarball that tries to reach the
# file SENTINEL outside the store, or is a bomb of some kind
hostile_tar() {
	python3 - "$@" <<'EOF'
import io, os, sys, tarfile
kind, out, sentinel = sys.argv[1:4]
n = int(sys.argv[4]) if len(sys.argv) > 4 else 0
up = "../" * 24
def reg(t, name, data=b"pwned\n"):
    ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = 0o644
    t.addfile(ti, io.BytesIO(data))
def special(t, name, typ, target):
    ti = tarfile.TarInfo(name); ti.type = typ; ti.linkname = target
    ti.mode = 0o755 if typ == tarfile.DIRTYPE else 0o777
    t.addfile(ti)
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    special(t, "etc", tarfile.DIRTYPE, "")
    reg(t, "etc/ok", b"ok\n")
    if kind == "dotdot":
        reg(t, up.rstrip("/") + sentinel)
    elif kind == "abs":
        reg(t, sentinel)
    elif kind == "symlink":
        special(t, "l", tarfile.SYMTYPE, os.path.dirname(sentinel))
        reg(t, "l/" + os.path.basename(sentinel))
    elif kind == "symlink-root":
        special(t, "l", tarfile.SYMTYPE, "/")
        reg(t, "l" + sentinel)
    elif kind == "hardlink-abs":
        special(t, "hl", tarfile.LNKTYPE, sentinel)
    elif kind == "hardlink-dotdot":
        special(t, "hl", tarfile.LNKTYPE, up.rstrip("/") + sentinel)
    elif kind == "sparse-huge":
        # a 1 TiB sparse file (GNU sparse 1.0 in pax) in 1 KiB of tarball
        m = b"1\n%d\n512\n" % ((1 << 40) - 512)
        data = m + b"\0" * (512 - len(m)) + b"A" * 512
        ti = tarfile.TarInfo("GNUSparseFile.0/big"); ti.size = len(data)
        ti.pax_headers = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0",
                          "GNU.sparse.name": "big", "GNU.sparse.realsize": str(1 << 40)}
        t.addfile(ti, io.BytesIO(data))
    elif kind == "zeros":
        reg(t, "zeros", b"\0" * n)
    elif kind == "many":
        for i in range(n):
            reg(t, "etc/f%d" % i, b"")
EOF
}

# xz_giant_dict IN OUT MIB [split]: IN as xz whose (first, or with split
# second of two concatenated) stream's block header asks for a MIB
# dictionary; the data is compressed with 1 MiB, so it decodes with any.
xz_giant_dict() {
	python3 - "$@" <<'EOF'
import lzma, struct, sys, zlib
src, out, mib = sys.argv[1], sys.argv[2], int(sys.argv[3])
def patch(x):
    hsize = (x[12] + 1) * 4
    h = bytearray(x[12:12 + hsize])
    assert h[1] & 0xc3 == 0 and h[2] == 0x21 and h[3] == 1
    bits = next(b for b in range(41) if (2 | (b & 1)) << (b // 2 + 11) >= mib << 20)
    h[4] = bits
    h[-4:] = struct.pack("<I", zlib.crc32(bytes(h[:-4])))
    return x[:12] + bytes(h) + x[12 + hsize:]
data = open(src, "rb").read()
f = [{"id": lzma.FILTER_LZMA2, "dict_size": 1 << 20}]
xz = lambda d: lzma.compress(d, format=lzma.FORMAT_XZ, filters=f)
half = len(data) // 2
res = xz(data[:half]) + patch(xz(data[half:])) if len(sys.argv) > 4 else patch(xz(data))
open(out, "wb").write(res)
EOF
}
