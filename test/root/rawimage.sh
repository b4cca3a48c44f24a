# Tier 3: nspawn -i on raw disk images made from the busybox guest tree:
# ext4, squashfs, erofs, a GPT disk; loop devices that go by themselves.
. "$TOP/test/lib/testing.sh"
. "$TOP/test/lib/container.sh"
optional CFG_NSPAWN
need_root
[ -e /dev/loop-control ] || _skip_reason="no /dev/loop-control"
command -v mkfs.ext4 >/dev/null || _skip_reason="no mkfs.ext4 (e2fsprogs)"
if skipping; then skip "raw image tests" "$(skip_reason)"; exit 0; fi
R=$TEST_TMP/bb
if ! guest_tree busybox "$R"; then
	skip "raw image tests" "busybox fixture not built (test/fixtures/build.sh busybox)"
	exit 0
fi
export MACHBOX_ROOT=$TEST_TMP/root
mkdir -p "$MACHBOX_ROOT/var/lib/machines"
IMGS=$MACHBOX_ROOT/run/machbox/images
test_cleanup() { container_cleanup; }

ns() {
	local img=$1
	shift
	"$MACHBOX" nspawn -q -i "$img" --console=pipe "$@"
}

# img_clean IMAGE NAME TESTNAME: no loop device on the image (autoclear is
# asynchronous: a bounded wait), no mount point, no cgroup, no mount
img_clean() {
	local left
	wait_for 5 sh -c "[ ! -d '$CG2/machbox/$2' ] && [ ! -e '$IMGS/$2' ]"
	wait_for 5 sh -c "[ -z \"\$(losetup -j '$1')\" ]"
	left=$(losetup -j "$1" | sed 's/^/loop /'; leftovers "$2" "$IMGS/$2"; [ -e "$IMGS/$2" ] && echo "dir $IMGS/$2")
	if [ -z "$left" ]; then pass "$3"; else fail "$3" "$left"; fi
}

# --- ext4, read-write ---
E=$TEST_TMP/bb.raw
mkfs.ext4 -q -d "$R" "$E" 64M >/dev/null 2>&1
testing "ext4: a command runs" "ns $E /usr/bin/payload cat /etc/os-release | grep '^ID='" "ID=busybox"
testing "the machine name is the file name without .raw" "ns $E /usr/bin/payload hostname" "bb"
testing "the root is the image's ext4" "ns $E /usr/bin/payload mounts | awk '\$1==\"/\"{print \$2}'" "ext4"
testing "ext4: writes persist" "ns $E /usr/bin/payload write /etc/persist y; ns $E /usr/bin/payload cat /etc/persist" "y"
testing "--read-only refuses writes" "ns $E --read-only /usr/bin/payload write /etc/ro y 2>/dev/null; echo \$?; ns $E /bin/sh -c '[ -e /etc/ro ] || echo absent'" "1
absent"
testing "-x: writes vanish" "ns $E -x /usr/bin/payload write /etc/eph y; ns $E /bin/sh -c '[ -e /etc/eph ] || echo absent'" "absent"
img_clean "$E" bb "ext4: nothing left after the payload runs"

# --- a booted guest ---
out=$TEST_TMP/boot.out
bg "$out" -q -i "$E" --console=read-only -b
if wait_for 20 grep -q MACHBOX-BOOT-OK "$out"; then pass "ext4: busybox init boots to its marker"; else fail "ext4: busybox init boots to its marker" "$(cat "$out")"; fi
testing "the image's mount is not in the host's namespace" "grep -c ' $IMGS/bb ' /proc/self/mountinfo" "0"
testing "a loop device is attached while it runs" "losetup -j $E | grep -c ." "1"
testing_grep "a second nspawn on the image is refused" "ns $E /usr/bin/payload true" "in use by another machine"
kill -TERM "$BG"
wait_exit "$BG" 20
testing "SIGTERM powers the guest off cleanly (exit 0)" "echo $RC" "0"
img_clean "$E" bb "nothing left after a poweroff"

for delay in 0 0.1 booted; do
	bg "$out" -q -i "$E" --console=read-only -b
	if [ "$delay" = booted ]; then wait_for 20 grep -q MACHBOX-BOOT-OK "$out"; else sleep "$delay"; fi
	kill -9 "$BG"
	wait "$BG" 2>/dev/null
	img_clean "$E" bb "kill -9 of the monitor ($delay) leaves nothing"
done

# --- -M NAME finds NAME.raw in the image store ---
cp "$E" "$MACHBOX_ROOT/var/lib/machines/store.raw"
testing "-M NAME boots /var/lib/machines/NAME.raw" "\"\$MACHBOX\" nspawn -q -M store --console=pipe /usr/bin/payload hostname" "store"
img_clean "$MACHBOX_ROOT/var/lib/machines/store.raw" store "-M NAME: nothing left"

# --- squashfs, read-only ---
if command -v mksquashfs >/dev/null; then
	S=$TEST_TMP/sq.raw
	mksquashfs "$R" "$S" -quiet -no-progress >/dev/null 2>&1
	testing "squashfs: a command runs" "ns $S /usr/bin/payload cat /etc/os-release | grep '^ID='" "ID=busybox"
	testing "squashfs: writes fail" "ns $S /usr/bin/payload write /etc/x y 2>/dev/null; echo \$?" "1"
	out=$TEST_TMP/sq.out
	bg "$out" -q -i "$S" --console=read-only -b
	if wait_for 20 grep -q MACHBOX-BOOT-OK "$out"; then pass "squashfs: boots"; else fail "squashfs: boots" "$(cat "$out")"; fi
	kill -TERM "$BG"
	wait_exit "$BG" 20
	testing "squashfs: SIGTERM powers off (exit 0)" "echo $RC" "0"
	img_clean "$S" sq "squashfs: nothing left"
else
	skip "squashfs images" "no mksquashfs (squashfs-tools)"
fi

# --- erofs, read-only ---
if command -v mkfs.erofs >/dev/null; then
	F=$TEST_TMP/ero.raw
	mkfs.erofs -q "$F" "$R" >/dev/null 2>&1 || mkfs.erofs "$F" "$R" >/dev/null 2>&1
	testing "erofs: a command runs" "ns $F /usr/bin/payload cat /etc/os-release | grep '^ID='" "ID=busybox"
	testing "erofs: writes fail" "ns $F /usr/bin/payload write /etc/x y 2>/dev/null; echo \$?" "1"
	img_clean "$F" ero "erofs: nothing left"
else
	skip "erofs images" "no mkfs.erofs (erofs-utils)"
fi

# --- a GPT disk: an ESP, then the root partition of this architecture ---
case $(uname -m) in
x86_64) RT=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709 ;;
aarch64) RT=B921B045-1DF0-41C3-AF44-4C6F280D3FAE ;;
arm*) RT=69DAD710-2CE4-4E3C-B16C-21A1D49ABED3 ;;
*) RT=0FC63DAF-8483-4772-8E79-3D69D8477DE4 ;;
esac
if command -v sfdisk >/dev/null; then
	G=$TEST_TMP/disk.raw
	truncate -s 80M "$G"
	printf 'label: gpt\nstart=2048, size=8192, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\nstart=10240, size=131072, type=%s\n' "$RT" |
		sfdisk -q "$G" >/dev/null 2>&1
	dd if="$E" of="$G" bs=512 seek=10240 conv=notrunc status=none
	testing "GPT: the root partition is found" "ns $G /usr/bin/payload cat /etc/os-release | grep '^ID='" "ID=busybox"
	testing "GPT: it is the ext4 written before" "ns $G /usr/bin/payload cat /etc/persist" "y"
	img_clean "$G" disk "GPT: nothing left"
	L=$TEST_TMP/linux.raw
	truncate -s 80M "$L"
	printf 'label: gpt\nstart=10240, size=131072, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n' | sfdisk -q "$L" >/dev/null 2>&1
	dd if="$E" of="$L" bs=512 seek=10240 conv=notrunc status=none
	testing "GPT: a Linux data partition serves as root" "ns $L /usr/bin/payload hostname" "linux"
	img_clean "$L" linux "GPT (Linux data): nothing left"
else
	skip "GPT disk images" "no sfdisk (util-linux)"
fi

# --- refusals ---
B=$TEST_TMP/junk.raw
head -c 1048576 /dev/urandom > "$B"
testing "random bytes are refused" "ns $B /usr/bin/payload true 2>/dev/null; echo \$?" "1"
testing "with one line naming the image" "ns $B /usr/bin/payload true 2>&1 | grep -c 'junk.raw'; ns $B /usr/bin/payload true 2>&1 | wc -l" "1
1"
img_clean "$B" junk "a refused image leaves nothing"
testing "-D and -i exclude each other" "\"\$MACHBOX\" nspawn -q -D $R -i $E true 2>/dev/null; echo \$?" "2"
testing_grep "a missing image is named" "ns $TEST_TMP/none.raw true" "none.raw"
