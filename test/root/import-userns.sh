# Tier 3: import-tar --private-users= (issue 7): the extractor runs in a
# user namespace, so owners land shifted on disk, device nodes of the
# tarball are skipped, and nspawn -U boots the image without a chown.
. "$TOP/test/lib/testing.sh"
. "$TOP/test/lib/container.sh"
optional CFG_PRIVATE_USERS
optional CFG_ARCHIVE
need_root
if skipping; then skip "import in a user namespace" "$(skip_reason)"; exit 0; fi
R=$TEST_TMP/bb
if ! guest_tree busybox "$R"; then
	skip "import in a user namespace" "busybox fixture not built (test/fixtures/build.sh busybox)"
	exit 0
fi
export MACHBOX_ROOT=$TEST_TMP/root
STORE=$MACHBOX_ROOT/var/lib/machines
mkdir -p "$STORE"
test_cleanup() { container_cleanup; }

mc() { "$MACHBOX" machinectl "$@"; }
owner() { stat -c '%u:%g' "$1"; }
# the store holds nothing of NAME, temp entries included
absent() { ls -a "$STORE" | grep -c -- "$1"; }

chmod u+s "$R/bin/busybox"
tar --numeric-owner -C "$R" -cf "$TEST_TMP/bb.tar" .
# device nodes, a fifo, a file with a capability, owners above 0
python3 - "$TEST_TMP/dev.tar" <<'EOF'
import base64, io, struct, sys, tarfile
cap = struct.pack('<5I', 0x02000001, 1 << 10, 0, 0, 0)   # v2, cap_net_bind_service+ep
def entry(name, kind, data=b'', **kw):
    ti = tarfile.TarInfo(name)
    ti.type, ti.size = kind, len(data)
    for k, v in kw.items():
        setattr(ti, k, v)
    t.addfile(ti, io.BytesIO(data) if data else None)
with tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT) as t:
    entry('./', tarfile.DIRTYPE, mode=0o755)
    entry('./etc', tarfile.DIRTYPE, mode=0o755)
    entry('./etc/os-release', tarfile.REGTYPE, b'ID=test\n', mode=0o644)
    entry('./dev', tarfile.DIRTYPE, mode=0o755)
    entry('./dev/null', tarfile.CHRTYPE, devmajor=1, devminor=3, mode=0o666)
    entry('./dev/sda', tarfile.BLKTYPE, devmajor=8, devminor=0, mode=0o660, gid=6)
    entry('./dev/initctl', tarfile.FIFOTYPE, mode=0o600)
    entry('./capped', tarfile.REGTYPE, b'#!/bin/sh\n', mode=0o755,
          pax_headers={'LIBARCHIVE.xattr.security.capability': base64.b64encode(cap).decode()})
    entry('./owned', tarfile.REGTYPE, mode=0o644, uid=1000, gid=100)
EOF
# "VERSION ROOTID" of a security.capability entry
capver() {
	python3 -c 'import os, struct, sys
v = os.getxattr(sys.argv[1], "security.capability")
print(struct.unpack("<I", v[:4])[0] >> 24, struct.unpack("<I", v[20:24])[0] if len(v) >= 24 else "-")' "$1"
}

# --- the option ---
testing "a bad --private-users= is a usage error" "mc import-tar --private-users=12345 $TEST_TMP/bb.tar xi-bad 2>/dev/null; echo \$?" "2"
testing "in one line naming the value" "mc import-tar --private-users=yes $TEST_TMP/bb.tar xi-bad 2>&1" \
	"machinectl: --private-users= takes pick or a non-zero multiple of 65536, not 'yes'"
testing "base 0 is refused" "mc import-tar --private-users=0 $TEST_TMP/bb.tar xi-bad 2>/dev/null; echo \$?" "2"
testing "a range of its own is refused" "mc import-tar --private-users=655360:1000 $TEST_TMP/bb.tar xi-bad 2>/dev/null; echo \$?" "2"
testing "other verbs refuse it" "mc --private-users=pick list-images 2>&1; echo rc=\$?" \
	"machinectl: --private-users= is only for import-tar and pull-tar
rc=2"
testing "nothing was made" "absent xi-bad" "0"

# --- pick ---
testing "import-tar --private-users=pick" "mc import-tar --private-users=pick $TEST_TMP/bb.tar xi-bb 2>&1; echo \$?" "0"
BASE=$(stat -c %u "$STORE/xi-bb")
testing "the root dir records a picked range" \
	"[ '$BASE' -ge 524288 ] && [ '$BASE' -lt 1879048192 ] && [ \$(( $BASE % 65536 )) = 0 ] && owner $STORE/xi-bb" "$BASE:$BASE"
testing "/etc/passwd is the range's root's on disk" "owner $STORE/xi-bb/etc/passwd" "$BASE:$BASE"
testing "set-uid bits survive" "stat -c %A $STORE/xi-bb/bin/busybox | cut -c4" "s"
testing "no file is the host root's" "find $STORE/xi-bb -uid 0 | wc -l" "0"
out=$(unshare --net -- "$MACHBOX" nspawn -U -M xi-bb --console=pipe /bin/sh -c \
	'/usr/bin/payload id; read a b c </proc/self/uid_map; echo $b; touch /root/made' 2>"$TEST_TMP/ns.err")
testing "nspawn -U -M boots it as root inside" "echo '$out' | head -1" "uid=0 gid=0 euid=0 egid=0"
testing "in the range pick chose at import" "echo '$out' | sed -n 2p" "$BASE"
testing "a file made inside is BASE on the host" "owner $STORE/xi-bb/root/made" "$BASE:$BASE"
testing "without a chown pass" "grep -c Shifting $TEST_TMP/ns.err; owner $STORE/xi-bb" "0
$BASE:$BASE"
testing "and nspawn says so" "grep -c 'Selected user namespace base $BASE ' $TEST_TMP/ns.err" "1"

# --- a fixed base; device nodes; capabilities ---
B2=2162688
testing "device nodes: one warning line" "mc import-tar --private-users=$B2 $TEST_TMP/dev.tar xi-dev 2>&1; echo rc=\$?" \
	"machinectl: Skipped 2 device nodes: none can be made in a user namespace (nspawn provides /dev)
rc=0"
testing "and none on disk" "ls $STORE/xi-dev/dev" "initctl"
testing "the fixed base owns the root" "owner $STORE/xi-dev" "$B2:$B2"
testing "uid 1000 lands at BASE+1000" "owner $STORE/xi-dev/owned" "$((B2 + 1000)):$((B2 + 100))"
testing "a capability is stored as v3, root BASE" "capver $STORE/xi-dev/capped" "3 $B2"
testing "without the option the nodes are made" "mc import-tar $TEST_TMP/dev.tar xi-devh 2>&1; stat -c %F $STORE/xi-devh/dev/null" \
	"character special file"
testing "with a v2 capability, as in the tarball" "capver $STORE/xi-devh/capped" "2 -"

# --- failures leave nothing ---
mkdir -p "$MACHBOX_ROOT/run/machbox/uidrange"
testing "a range in use is refused" \
	"flock $MACHBOX_ROOT/run/machbox/uidrange/$B2 $MACHBOX machinectl import-tar --private-users=$B2 $TEST_TMP/bb.tar xi-busy 2>&1; echo rc=\$?" \
	"machinectl: Failed to import-tar 'xi-busy': its uid range is in use by another machine
rc=1"
testing "pick skips a range in use" \
	"flock $MACHBOX_ROOT/run/machbox/uidrange/$BASE $MACHBOX machinectl import-tar --force --private-users=pick $TEST_TMP/bb.tar xi-bb && [ \$(stat -c %u $STORE/xi-bb) != $BASE ] && echo other" "other"
head -c 4096 /dev/urandom > "$TEST_TMP/junk.tar"
testing "a bad tarball fails in one line" "mc import-tar --private-users=pick $TEST_TMP/junk.tar xi-junk 2>&1 | wc -l; mc import-tar --private-users=pick $TEST_TMP/junk.tar xi-junk 2>/dev/null; echo rc=\$?" "1
rc=1"
testing "nothing installed on failure" "absent xi-busy; absent xi-junk; absent '^\.#'" "0
0
0"
