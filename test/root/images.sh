# Tier 3: the image store and local transfers (issue 5): import-tar,
# export-tar, import-fs, import-raw, export-raw, list-images, image-status,
# show-image, clone, rename, remove, read-only, clean; hostile tarballs;
# btrfs subvolumes on a loop device; locks of running machines.
. "$TOP/test/lib/testing.sh"
. "$TOP/test/lib/container.sh"
. "$TOP/test/lib/images.sh"
optional CFG_IMAGES
need_root
if skipping; then skip "image root tests" "$(skip_reason)"; exit 0; fi
SRC=$TEST_TMP/src
if ! guest_tree busybox "$SRC"; then
	skip "image root tests" "busybox fixture not built (test/fixtures/build.sh busybox)"
	exit 0
fi
export MACHBOX_ROOT=$TEST_TMP/root
S=$MACHBOX_ROOT/var/lib/machines
T=$TEST_TMP/files
mkdir -p "$T"
HOLDERS=""
BTRFS_MNT=""
BTRFS_LOOP=""

test_cleanup() {
	local p d
	container_cleanup
	for p in $HOLDERS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	# read-only images carry the immutable flag: rm -rf stops at them
	for d in "$S"/* "$S"/.[!.]* "$BTRFS_MNT"/var/lib/machines/*; do
		[ -e "$d" ] && chattr -i "$d" 2>/dev/null
	done
	mountpoint -q "$TEST_TMP/ramfs" 2>/dev/null && umount "$TEST_TMP/ramfs"
	if [ -n "$BTRFS_MNT" ]; then
		umount "$BTRFS_MNT" 2>/dev/null
		[ -n "$BTRFS_LOOP" ] && losetup -d "$BTRFS_LOOP" 2>/dev/null
	fi
}

mc() { "$MACHBOX" machinectl "$@"; }
# hold_lock PATH: flock(LOCK_EX) on PATH, as a running nspawn holds its
# image's, by a process of its own ($HOLDER); release_lock ends it
hold_lock() {
	( exec 9<"$1" && flock -x 9 && exec sleep 60 ) &
	HOLDER=$!
	HOLDERS="$HOLDERS $HOLDER"
	wait_for 5 sh -c "! flock -n '$1' true"
}
release_lock() {
	kill "$HOLDER" 2>/dev/null
	wait "$HOLDER" 2>/dev/null
}
# lines of the store's directory (temp images included)
store_ls() { ls -A "$S" 2>/dev/null; }
no_temps() { ! store_ls | grep -q '^\.#'; }

# --- the guest tree: what a faithful copy must keep ---
python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.machbox", b"kept")' "$SRC/etc/passwd"
cp "$SRC/usr/bin/payload" "$SRC/usr/bin/ping2"
HAVE_FCAPS=0
if command -v setcap >/dev/null && setcap cap_net_raw+ep "$SRC/usr/bin/ping2" 2>/dev/null; then HAVE_FCAPS=1; fi
chmod 4755 "$SRC/usr/bin/payload"
mknod "$SRC/dev/null2" c 1 3
mkfifo "$SRC/run/fifo"
ln "$SRC/etc/group" "$SRC/etc/group.hardlink"
chown 1000:1001 "$SRC/etc/group"
truncate -s 8M "$SRC/var/sparse" && echo end >> "$SRC/var/sparse"
touch -d '2001-02-03 04:05:06' "$SRC/etc/hostname" 2>/dev/null || echo guest > "$SRC/etc/hostname"

tar_opts="--format=posix --xattrs --xattrs-include=* --numeric-owner -S"
tar $tar_opts -C "$SRC" -cf "$T/bb.tar" .
gzip -c "$T/bb.tar" > "$T/bb.tar.gz"
xz -T1 -c "$T/bb.tar" > "$T/bb.tar.xz"
# one top-level directory holding the tree (systemd unwraps it)
tar $tar_opts -C "$SRC" --transform 's,^\.,rootfs,S' -cf "$T/wrapped.tar" .

# --- an empty store ---
testing "list-images: no store yet" "mc list-images" "No images."
testing "list-images --no-legend: nothing" "mc --no-legend list-images" ""
optional CFG_JSON
testing "list-images -o json: []" "mc -o json list-images" "[]"

# --- import-tar ---
optional CFG_ARCHIVE
testing "import-tar of a .tar, name from the file" "mc import-tar $T/bb.tar; echo \$?" "0"
testing "the image is the tree, exactly" "same_tree $SRC $S/bb" "same"
testing "the setuid bit is kept" "stat -c %a $S/bb/usr/bin/payload" "4755"
testing "a hard link stays one" "[ $S/bb/etc/group -ef $S/bb/etc/group.hardlink ] && echo linked" "linked"
testing "a sparse file stays sparse" "[ \$(du -k $S/bb/var/sparse | cut -f1) -lt 1024 ] && echo sparse" "sparse"
testing "import-tar .tar.gz with a name" "mc import-tar $T/bb.tar.gz bbgz; same_tree $SRC $S/bbgz" "same"
optional CFG_FILTER_XZ
testing "import-tar .tar.xz" "mc import-tar $T/bb.tar.xz bbxz; same_tree $SRC $S/bbxz" "same"
optional CFG_ARCHIVE
testing "a single top-level directory is unwrapped" "mc import-tar $T/wrapped.tar; same_tree $SRC $S/wrapped" "same"
testing "import-tar from stdin" "mc import-tar - bbin < $T/bb.tar.gz; same_tree $SRC $S/bbin" "same"
testing_grep "a tarball is never read from a terminal" \
	"python3 $TOP/test/lib/ptyrun.py -- $MACHBOX machinectl import-tar - tty" "refusing to read an image from a terminal"
testing "stdin needs a name (usage error)" "mc import-tar - < $T/bb.tar 2>/dev/null; echo \$?" "2"
testing_grep "a bad name is a usage error naming it" "mc import-tar $T/bb.tar 'a/b'; echo \$?" "invalid image name 'a/b'"
testing "and exits 2" "mc import-tar $T/bb.tar '-x' 2>/dev/null; echo \$?" "2"
testing "no temp image left behind" "no_temps && echo clean" "clean"
# (a boot may add mount points: a copy that is compared no more)
testing "the imported image boots" \
	"unshare --net \"\$MACHBOX\" nspawn -q --console=pipe -D $S/wrapped /usr/bin/payload echo ok" "ok"
testing "its capabilities file kept security.capability" \
	"[ $HAVE_FCAPS = 0 ] || getcap $S/bbgz/usr/bin/ping2 | grep -c cap_net_raw" "$([ $HAVE_FCAPS = 0 ] || echo 1)"

touch "$S/bbgz/marker"
testing "an existing image is kept without --force" "mc import-tar $T/bb.tar bbgz 2>/dev/null; echo \$?; ls $S/bbgz/marker" "1
$S/bbgz/marker"
testing_grep "and the error says so" "mc import-tar $T/bb.tar bbgz" "Failed to import-tar 'bbgz': an image of that name exists"
testing "--force replaces it" "mc --force import-tar $T/bb.tar bbgz; ls $S/bbgz/marker 2>/dev/null; same_tree $SRC $S/bbgz" "same"
testing "--read-only imports a read-only image" \
	"mc --read-only import-tar $T/bb.tar.gz bbro; mc --no-legend list-images | awk '\$1==\"bbro\"{print \$3}'" "yes"
testing "which the guest cannot change" "touch $S/bbro/x 2>/dev/null; echo \$?" "1"
testing "--force replaces a read-only image too" \
	"mc --force import-tar $T/bb.tar bbro; mc --no-legend list-images | awk '\$1==\"bbro\"{print \$3}'" "no"
mc remove bbro bbin

# --- list-images, image-status, show-image ---
optional CFG_IMAGES
mc import-fs "$SRC" .hidden
testing "list-images: systemd's columns" "mc list-images | head -1 | tr -s ' '" "NAME TYPE RO USAGE CREATED MODIFIED"
testing "list-images: names sorted, hidden ones left out" "mc --no-legend list-images | awk '{print \$1}' | tr '\n' ' '" \
	"bb bbgz bbxz wrapped "
testing "list-images: the footer" "mc list-images | tail -1" "4 images listed."
testing "list-images: a blank line before it" "mc list-images | tail -2 | head -1" ""
testing "list-images -a shows hidden images" "mc -a --no-legend list-images | awk '{print \$1}' | head -1" ".hidden"
testing "a row: type, ro, usage like 2.1M, a creation time, no modification time" \
	"mc --no-legend list-images | awk '\$1==\"bb\"{print \$2, \$3, (\$4 ~ /^[0-9]+\\.[0-9][KMG]\$/), NF}'" "directory no 1 9"
optional CFG_JSON
testing "list-images -o json" \
	"mc -o json list-images | python3 -c 'import json,sys; v=json.load(sys.stdin); print(v[0][\"name\"], v[0][\"type\"], v[0][\"ro\"], v[0][\"usage\"] > 0, v[0][\"created\"] > 0, v[0][\"modified\"])'" \
	"bb directory False True True None"
optional CFG_IMAGES
testing "image-status" "mc image-status bb | grep -E 'Type|Path|RO' | sed 's/^[ \t]*//'" "Type: directory
Path: $S/bb
RO: writable"
testing_grep "image-status: the OS from os-release" "mc image-status bb" "^	      OS: BusyBox"
testing_grep "image-status: created, relative" "mc image-status bb" "Created: ... [0-9-]+ [0-9:]+ [A-Z]+; [0-9a-z ]+ ago"
testing "image-status of two: a blank line between" "mc image-status bb bbgz | grep -c '^\$'" "1"
testing "show-image" "mc show-image bb | grep -v Timestamp | grep -v Usage" "Name=bb
Path=$S/bb
Type=directory
ReadOnly=no"
testing "show-image: Usage in bytes" "mc -p Usage --value show-image bb | grep -cE '^[0-9]+\$'" "1"
testing "show-image: no modification time for a tree (as systemd)" "mc -p ModificationTimestamp show-image bb" ""
testing "show-image -a shows it empty" "mc -a -p ModificationTimestamp show-image bb" "ModificationTimestamp="
testing "show-image -P Name" "mc -P Name show-image bbgz" "bbgz"
testing "show-image without a name: the pool" "mc show-image" "PoolPath=$S"
testing "a missing image fails with 1" "mc image-status nope 2>/dev/null; echo \$?" "1"
testing_grep "and says so" "mc show-image nope" "Failed to show-image 'nope': no such image"

# --- clone, rename, read-only, remove ---
testing "clone copies everything" "mc clone bb bbc; same_tree $S/bb $S/bbc" "same"
testing "clone of a read-only image is writable" "mc read-only bb; mc clone bb bbw; mc read-only bb false; touch $S/bbw/x && echo writable" "writable"
testing "clone --read-only" "mc --read-only clone bbc bbcr; mc --no-legend list-images | awk '\$1==\"bbcr\"{print \$3}'" "yes"
testing_grep "clone to a bad name" "mc clone bb 'x y'; echo \$?" "invalid image name 'x y'"
testing "clone to an existing name fails" "mc clone bb bbc 2>/dev/null; echo \$?" "1"
echo "[Exec]" > "$S/bbc.nspawn"
mkdir -p "$MACHBOX_ROOT/etc/systemd/nspawn" && echo "[Exec]" > "$MACHBOX_ROOT/etc/systemd/nspawn/bbc.nspawn"
testing "rename moves the image and its .nspawn files" \
	"mc rename bbc bbr; ls $S | grep -E '^bb(c|r)(\\.nspawn)?\$'; ls $MACHBOX_ROOT/etc/systemd/nspawn" "bbr
bbr.nspawn
bbr.nspawn"
testing "rename onto an existing image fails" "mc rename bbr bb 2>/dev/null; echo \$?; ls -d $S/bbr" "1
$S/bbr"
testing "rename a read-only image" "mc rename bbcr bbcr2; mc --no-legend list-images | awk '\$1==\"bbcr2\"{print \$3}'" "yes"
testing "read-only: the immutable flag" "mc read-only bbr; lsattr -d $S/bbr | cut -c5; mc -P ReadOnly show-image bbr" "i
yes"
testing "read-only false" "mc read-only bbr false; lsattr -d $S/bbr | cut -c5; mc -P ReadOnly show-image bbr" "-
no"
RAMFS=$TEST_TMP/ramfs
mkdir -p "$RAMFS"
if mount -t ramfs none "$RAMFS" 2>/dev/null; then
	mkdir -p "$RAMFS/var/lib/machines/x"
	testing_grep "read-only where the file system has no immutable flag: a clear error" \
		"MACHBOX_ROOT=$RAMFS \"\$MACHBOX\" machinectl read-only x" "Failed to read-only 'x': the file system does not support the immutable flag"
	testing "and a --read-only import there installs nothing" \
		"MACHBOX_ROOT=$RAMFS \"\$MACHBOX\" machinectl --read-only import-tar $T/bb.tar y 2>/dev/null; echo \$?; ls -A $RAMFS/var/lib/machines" "1
x"
	umount "$RAMFS"
else
	skip "read-only without an immutable flag" "no ramfs"
fi
testing "read-only takes a boolean" "mc read-only bbr maybe 2>/dev/null; echo \$?" "2"
testing "remove takes its .nspawn files along" "mc remove bbr bbcr2 bbw; ls $S $MACHBOX_ROOT/etc/systemd/nspawn | grep -c bbr" "0"
testing "remove of a missing image fails" "mc remove nope 2>/dev/null; echo \$?" "1"

# --- clean ---
mkdir "$S/.#stale.abc123" && touch "$S/.#stale.abc123/f" "$S/.#raw.xyz789"
mkdir "$S/.#busy.qqqqqq"
hold_lock "$S/.#busy.qqqqqq"
testing "clean removes leftover temp images" "mc clean | sort" "Removed image '.#raw.xyz789'.
Removed image '.#stale.abc123'."
testing "but not one that is being written (locked)" "store_ls | grep -c busy" "1"
testing "and keeps hidden images" "mc -a --no-legend list-images | grep -c '^\\.hidden'" "1"
testing "clean -a removes hidden images" "mc -a clean; mc -a --no-legend list-images | grep -c hidden" "Removed image '.hidden'.
0"
release_lock
rmdir "$S/.#busy.qqqqqq"

# --- a running machine's image ---
hold_lock "$S/bb"
for verb in "remove bb" "rename bb bb9" "read-only bb"; do
	testing "a locked image: $verb fails" "mc $verb 2>/dev/null; echo \$?" "1"
	testing_grep "a locked image: $verb says why" "mc $verb" "image is in use by a running machine"
done
testing "a locked image stays" "mc -P ReadOnly show-image bb; ls -d $S/bb" "no
$S/bb"
release_lock
optional CFG_NSPAWN
bg "$TEST_TMP/bg.out" -q -D "$S/bbgz" --console=pipe /bin/sh -c 'echo up; sleep 30'
wait_for 10 grep -q up "$TEST_TMP/bg.out"
testing_grep "with nspawn running, remove is refused" "mc remove bbgz" "Failed to remove 'bbgz': image is in use by a running machine"
testing "and the image is still there" "ls -d $S/bbgz" "$S/bbgz"
kill -TERM "$BG"
wait_exit "$BG" 20
optional CFG_IMAGES

# --- import-fs ---
testing "import-fs copies a tree" "mc import-fs $SRC fs1; same_tree $SRC $S/fs1" "same"
testing "import-fs: name from the directory" "mc import-fs $SRC/ 2>&1; ls -d $S/src" "$S/src"
testing_grep "import-fs of a missing directory" "mc import-fs $TEST_TMP/nope nope" "Failed to import-fs 'nope': cannot open"
mc remove fs1 src

# --- raw images ---
optional CFG_RAW_IMAGES
truncate -s 64M "$T/disk.raw"
printf 'head' | dd of="$T/disk.raw" conv=notrunc 2>/dev/null
printf 'tail' | dd of="$T/disk.raw" bs=1M seek=40 conv=notrunc 2>/dev/null
testing "import-raw" "mc import-raw $T/disk.raw; cmp $T/disk.raw $S/disk.raw && echo same" "same"
testing "import-raw keeps holes" "[ \$(du -k $S/disk.raw | cut -f1) -lt 1024 ] && echo sparse" "sparse"
testing "import-raw from stdin, zero blocks become holes" \
	"mc import-raw - d2 < $T/disk.raw; cmp $T/disk.raw $S/d2.raw && [ \$(du -k $S/d2.raw | cut -f1) -lt 1024 ] && echo same" "same"
testing "a raw image in the list" "mc --no-legend list-images | awk '\$1==\"disk\"{print \$2, \$3, (\$5 != \"-\"), (\$9 != \"-\")}'" "raw no 1 1"
testing "export-raw to a file" "mc export-raw disk $T/out.raw; cmp $T/disk.raw $T/out.raw && echo same" "same"
testing "export-raw to stdout" "mc export-raw disk | cmp - $T/disk.raw && echo same" "same"
testing "export-raw does not overwrite without --force" "mc export-raw disk $T/out.raw 2>/dev/null; echo \$?" "1"
testing "read-only on a raw image: mode 0444" "mc read-only disk; stat -c %a $S/disk.raw" "444"
testing "read-only false: the owner may write" "mc read-only disk 0; stat -c %a $S/disk.raw" "644"
testing "clone of a raw image" "mc clone disk dclone; cmp $T/disk.raw $S/dclone.raw && echo same" "same"
testing "rename of a raw image" "mc rename dclone dc2; ls $S | grep -E '^dc'" "dc2.raw"
xz -T1 -0 -c "$T/disk.raw" > "$T/packed.raw.xz"
testing_grep "a compressed raw image is refused" "mc import-raw $T/packed.raw.xz" "Failed to import-raw 'packed': compressed"
testing_grep "export-raw of a tree is refused" "mc export-raw bb $T/x.raw" "Failed to export-raw 'bb': not a raw image"
mc remove disk d2 dc2

# --- export-tar ---
optional CFG_ARCHIVE
testing "export-tar .tar.xz, then import-tar: the same tree" \
	"mc export-tar bb $T/rt.tar.xz && mc import-tar $T/rt.tar.xz rt && same_tree $SRC $S/rt" "same"
testing "export-tar .tar.gz is gzip" "mc export-tar bb $T/rt.tar.gz; gzip -t $T/rt.tar.gz && echo gz" "gz"
mkdir "$T/gnu"
# (libarchive's disk walker lists a directory before descending, as bsdtar
# does; GNU tar then sets a directory's time before filling it)
testing "GNU tar restores an export, xattrs too" \
	"tar --xattrs --xattrs-include='*' --numeric-owner -C $T/gnu -xpf $T/rt.tar.gz && NO_DIR_MTIME=1 same_tree $SRC $T/gnu" "same"
testing "the root entry is ./, owners are numeric" "mc export-tar bb | tar tvf - | awk 'NR==1{print \$2, \$6}'" "0/0 ./"
testing "every path starts with ./" "mc export-tar bb | tar tf - | grep -vc '^\\./'" "0"
testing "a hard link is stored once" "mc export-tar bb | tar tvf - | grep -c '^h'" "1"
testing "zstd is not written" "mc export-tar bb $T/x.tar.zst 2>/dev/null; echo \$?" "1"
testing_grep "and says why" "mc export-tar bb $T/x.tar.zst" "zst compression is not built in"
testing "nothing is left of a refused export" "ls $T | grep -c x.tar" "0"
testing_grep "a tarball is never written to a terminal" \
	"python3 $TOP/test/lib/ptyrun.py -- $MACHBOX machinectl export-tar bb" "refusing to write an image to a terminal"
testing_grep "export-tar of a raw image is refused" "mc import-raw $T/disk.raw r1; mc export-tar r1 $T/r.tar" "use export-raw"
mc remove rt r1

# --- hostile tarballs: nothing outside the store changes, nothing installed ---
SENT=$TEST_TMP/sentinel
echo untouched > "$SENT"
hostile() {	# hostile NAME FILE [ENV...]: import it; exit code, sentinel, leftovers
	local name=$1 file=$2
	shift 2
	env "$@" "$MACHBOX" machinectl import-tar "$file" "$name" 2>"$TEST_TMP/hostile.err"
	echo "$? $(cat "$SENT") $(stat -c %h "$SENT") $(ls -d "$S/$name" 2>/dev/null)$(store_ls | grep -c '^\.#')"
}
for k in dotdot abs symlink symlink-root hardlink-abs hardlink-dotdot sparse-huge; do
	hostile_tar "$k" "$T/$k.tar" "$SENT"
	testing "hostile tarball ($k) is refused, nothing touched" "hostile h-$k $T/$k.tar" "1 untouched 1 0"
done
testing_grep "'..' is named" "hostile h $T/dotdot.tar; cat $TEST_TMP/hostile.err" "path leaves the image"
testing_grep "an absolute path is named" "hostile h $T/abs.tar; cat $TEST_TMP/hostile.err" "entry '$SENT': absolute path"
testing_grep "a write through a symlink is named" "hostile h $T/symlink.tar; cat $TEST_TMP/hostile.err" "Cannot extract through symlink"
testing_grep "a hard link out is named" "hostile h $T/hardlink-abs.tar; cat $TEST_TMP/hostile.err" "hard link to '$SENT'"
testing_grep "a 1 TiB sparse entry is a bomb" "hostile h $T/sparse-huge.tar; cat $TEST_TMP/hostile.err" "unpacks to more than"
hostile_tar zeros "$T/zeros.tar" "$SENT" 3000000
gzip -f "$T/zeros.tar"
testing "a size bomb over MACHBOX_IMPORT_MAX_BYTES" "hostile h $T/zeros.tar.gz MACHBOX_IMPORT_MAX_BYTES=1M" "1 untouched 1 0"
testing "and under it, fine" "hostile h $T/zeros.tar.gz MACHBOX_IMPORT_MAX_BYTES=4M; mc remove h" "0 untouched 1 $S/h0"
hostile_tar many "$T/many.tar" "$SENT" 100
testing "too many entries" "hostile h $T/many.tar MACHBOX_IMPORT_MAX_ENTRIES=50" "1 untouched 1 0"
testing_grep "too many entries: named" "hostile h $T/many.tar MACHBOX_IMPORT_MAX_ENTRIES=50; cat $TEST_TMP/hostile.err" "more than 50 entries"
testing "a bad limit is a usage error" "hostile h $T/many.tar MACHBOX_IMPORT_MAX_ENTRIES=lots" "2 untouched 1 0"
optional CFG_FILTER_XZ
xz_giant_dict "$T/bb.tar" "$T/giant.tar.xz" 1536
testing "xz asking for a 1.5 GiB dictionary is refused" "hostile h $T/giant.tar.xz" "1 untouched 1 0"
testing_grep "before it is allocated, by name" "hostile h $T/giant.tar.xz; cat $TEST_TMP/hostile.err" "needs a 1536 MiB dictionary, more than the 128 MiB allowed"
xz_giant_dict "$T/bb.tar" "$T/giant2.tar.xz" 1536 split
testing "a giant dictionary in a second stream meets the memory cap" "hostile h $T/giant2.tar.xz" "1 untouched 1 0"
testing_grep "and fails cleanly" "hostile h $T/giant2.tar.xz; cat $TEST_TMP/hostile.err" "Cannot allocate memory .*MACHBOX_IMPORT_MEM_LIMIT"
testing "with the limits raised it unpacks (the dictionary is never touched)" \
	"hostile h $T/giant2.tar.xz MACHBOX_IMPORT_XZ_MEMLIMIT=2G MACHBOX_IMPORT_MEM_LIMIT=4G; same_tree $SRC $S/h; mc remove h" \
	"0 untouched 1 $S/h0
same"
optional CFG_ARCHIVE
head -c 300000 "$T/bb.tar.gz" > "$T/trunc.tar.gz"
testing "a truncated tarball installs nothing" "hostile h $T/trunc.tar.gz" "1 untouched 1 0"
echo garbage > "$T/junk.tar"
testing_grep "garbage is named" "hostile h $T/junk.tar; cat $TEST_TMP/hostile.err" "Unrecognized archive format"

# --- kill -9 in the middle of an import ---
mkfifo "$T/fifo"
"$MACHBOX" machinectl import-tar "$T/fifo" slow 2>/dev/null &
SLOW=$!
exec 7>"$T/fifo"
head -c 200000 "$T/bb.tar" >&7
wait_for 5 sh -c "ls -A '$S' | grep -q '^\\.#slow'"
{ kill -9 "$SLOW"; wait "$SLOW"; } 2>/dev/null
exec 7>&-
# the extractor dies with it (PDEATHSIG) and lets go of nothing: no lock
wait_for 5 sh -c "! pgrep -f 'machinectl import-tar $T/fifo' >/dev/null"
testing "kill -9 during an import: nothing under NAME" "ls -d $S/slow 2>/dev/null; mc show-image slow 2>/dev/null; echo \$?" "1"
testing "clean removes the temp image" "mc clean | grep -c \"Removed image '.#slow\"; no_temps && echo none" "1
none"
"$MACHBOX" machinectl import-tar "$T/fifo" slow2 2>/dev/null &
SLOW=$!
exec 7>"$T/fifo"
head -c 100000 "$T/bb.tar" >&7
wait_for 5 sh -c "ls -A '$S' | grep -q '^\\.#slow2'"
{ kill -9 "$SLOW"; wait "$SLOW"; } 2>/dev/null
exec 7>&-
testing "or the next import does" "mc import-tar $T/bb.tar slow3; store_ls | grep -c '^\\.#'" "0"
mc remove slow3 2>/dev/null

# --- btrfs: subvolumes, snapshots, the read-only flag ---
optional CFG_BTRFS
if ! skipping && ! command -v mkfs.btrfs >/dev/null; then
	apt-get install -y btrfs-progs >/dev/null 2>&1 || true
fi
if skipping; then
	skip "btrfs tests" "$(skip_reason)"
elif ! command -v mkfs.btrfs >/dev/null || ! grep -qw btrfs /proc/filesystems; then
	skip "btrfs tests" "no mkfs.btrfs or no btrfs in this kernel"
else
	truncate -s 200M "$TEST_TMP/btrfs.img"
	mkfs.btrfs -q "$TEST_TMP/btrfs.img" >/dev/null 2>&1
	BTRFS_LOOP=$(losetup -f --show "$TEST_TMP/btrfs.img")
	BTRFS_MNT=$TEST_TMP/btrfs
	mkdir -p "$BTRFS_MNT"
	mount "$BTRFS_LOOP" "$BTRFS_MNT"
	B=$BTRFS_MNT/var/lib/machines
	bmc() { MACHBOX_ROOT=$BTRFS_MNT "$MACHBOX" machinectl "$@"; }
	subvol() { btrfs subvolume show "$1" >/dev/null 2>&1 && echo subvolume || echo plain; }
	testing "btrfs: an import is a subvolume" "bmc import-tar $T/bb.tar.gz bb; subvol $B/bb; same_tree $SRC $B/bb" "subvolume
same"
	testing "btrfs: list-images says subvolume" "bmc --no-legend list-images | awk '{print \$1, \$2}'" "bb subvolume"
	testing "btrfs: clone is a snapshot" "bmc clone bb snap; subvol $B/snap; same_tree $B/bb $B/snap" "subvolume
same"
	testing "btrfs: clone --read-only is a read-only snapshot" \
		"bmc --read-only clone bb rosnap; btrfs property get $B/rosnap ro; bmc -P ReadOnly show-image rosnap" "ro=true
yes"
	testing "btrfs: read-only sets the subvolume flag" "bmc read-only snap; btrfs property get $B/snap ro" "ro=true"
	testing "btrfs: and clears it" "bmc read-only snap no; btrfs property get $B/snap ro" "ro=false"
	testing "btrfs: import-fs of a subvolume snapshots it" "bmc import-fs $B/bb fs; subvol $B/fs; same_tree $SRC $B/fs" "subvolume
same"
	testing "btrfs: rename" "bmc rename snap snap2; subvol $B/snap2" "subvolume"
	btrfs subvolume create "$B/snap2/var/nested" >/dev/null
	touch "$B/snap2/var/nested/f"
	btrfs property set "$B/snap2/var/nested" ro true
	testing "btrfs: remove takes nested read-only subvolumes along" \
		"bmc remove snap2 rosnap fs; btrfs subvolume list $BTRFS_MNT | awk '{print \$NF}'" "var/lib/machines/bb"
	testing "btrfs: --force over a subvolume" "bmc --force import-tar $T/bb.tar bb; subvol $B/bb; btrfs subvolume list $BTRFS_MNT | wc -l" "subvolume
1"
	testing "btrfs: no temp left" "ls -A $B" "bb"
fi
