# Tier 3: users that are not root manage their own user-$USER-* machines
# through machined's socket (DESIGN.md §8): clone from an allowed image,
# start, shell, login, stop, remove; another user's machine looks like a
# missing one; a flood of connections or an oversize datagram from one
# user leaves root's requests answered.  The users and the group are made
# here and removed in test_cleanup, as is everything else.
. "$TOP/test/lib/testing.sh"
. "$TOP/test/lib/container.sh"
. "$TOP/test/lib/machined.sh"
optional CFG_USER_CONTAINERS
need_root
if skipping; then skip "user machines" "$(skip_reason)"; exit 0; fi
if [ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net)" ]; then
	skip "user machines" "not in a private network namespace"
	exit 0
fi
if [ -z "$(fixture busybox)" ]; then
	skip "user machines" "busybox fixture not built (test/fixtures/build.sh busybox)"
	exit 0
fi
for t in useradd userdel groupadd groupdel setpriv /usr/bin/python3; do
	if ! command -v $t >/dev/null; then skip "user machines" "no $t"; exit 0; fi
done
ip link set lo up
S=$(printf %04x $((RANDOM)))
# alice and alice-bob: one's name is a prefix of the other's
UA=mbu$S UB=mbu$S-bob UC=mbuc$S G=mbg$S
BASE=mbu-base-$S PRIV=mbu-priv-$S ROOTM=mbu-root-$S
MA=user-$UA-a MB=user-$UB-b
NAMES="$MA $MB $ROOTM"
MD_PID="" MADE_USERS=""
chmod 711 "$TEST_TMP"
export MACHBOX_ROOT=$TEST_TMP/root
IMG=$MACHBOX_ROOT/var/lib/machines
REC=$MACHBOX_ROOT/run/machbox/machines
OWN=$MACHBOX_ROOT/var/lib/machbox/owners
mkdir -p "$IMG" "$MACHBOX_ROOT/etc/machbox"
chmod 755 "$MACHBOX_ROOT"
# a binary every user may run
BIN=$TEST_TMP/bin/machbox
mkdir -p "$TEST_TMP/bin"
cp "$MACHBOX" "$BIN"
chmod 755 "$TEST_TMP/bin" "$BIN"
MD_LOG=$TEST_TMP/machined.log

# machined and its workers (forks of it) under our MACHBOX_ROOT, by pid
ours() {
	local p
	for p in $(pgrep -f "machbox machined"); do
		tr '\0' '\n' < /proc/$p/environ 2>/dev/null | grep -qx "MACHBOX_ROOT=$MACHBOX_ROOT" && echo $p
	done
}

test_cleanup() {
	local f p n u
	for f in "$REC"/*; do
		[ -f "$f" ] || continue
		p=$(sed -n 's/^MONITOR=//p' "$f")
		[ -n "$p" ] && [ "$p" -gt 1 ] && kill -9 "$p" 2>/dev/null
	done
	[ -n "$MD_PID" ] && kill -9 "$MD_PID" 2>/dev/null && wait "$MD_PID" 2>/dev/null
	for p in $(ours); do kill -9 "$p"; done
	[ -n "${FLOOD_PID:-}" ] && kill -9 "$FLOOD_PID" 2>/dev/null
	for n in $NAMES; do
		wait_for 10 sh -c "[ ! -d '$CG2/machbox/$n' ]"
	done
	container_cleanup
	# userdel refuses a user with processes: ours, stopped by pid first
	for u in $MADE_USERS; do
		for p in $(pgrep -u "$u"); do kill -9 "$p" 2>/dev/null; done
		wait_for 5 sh -c "! pgrep -u '$u' >/dev/null"
		userdel "$u" 2>/dev/null || echo "usermachines: cannot remove user $u" >&2
	done
	groupdel "$G" 2>/dev/null
	return 0
}

useradd -M -N -d /nonexistent -s /bin/sh "$UA" && MADE_USERS="$MADE_USERS $UA"
useradd -M -N -d /nonexistent -s /bin/sh "$UB" && MADE_USERS="$MADE_USERS $UB"
groupadd "$G"
useradd -M -N -d /nonexistent -s /bin/sh -G "$G" "$UC" && MADE_USERS="$MADE_USERS $UC"
if [ "$(echo $MADE_USERS | wc -w)" != 3 ]; then
	fail "test users made" "useradd failed"
	exit 0
fi

# as USER CMD...: the command as that user, no supplementary groups (the
# ManageGroup is looked up in the group database, not taken from them)
as() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$(id -g "$u")" --clear-groups -- "$@"
}
mc() { local u=$1; shift; as "$u" timeout 60 "$BIN" machinectl "$@"; }
mctl() { timeout 60 "$MACHBOX" machinectl "$@"; }
listed() { mc "$1" list --no-legend | awk '{print $1}' | grep -qx "$2"; }

for n in $BASE $PRIV $ROOTM; do guest_tree busybox "$IMG/$n"; done
cat > "$MACHBOX_ROOT/etc/machbox/machbox.conf" <<EOF
[Machines]
UserImages=other $BASE
ManageGroup=$G
EOF

# --- without machined ---
testing "a user's start without machined: it is not running" \
	"mc $UA start $MA 2>&1; echo \$?" "machinectl: Failed to start machine '$MA': machined is not running
1"
testing "no machined was started for a user" "test -S $MACHBOX_ROOT/run/machbox/control; echo \$?" "1"

md_start
mctl start $ROOTM

# --- clone: from an allowed image, to the user's own name ---
testing "a user clones an allowed image" "mc $UA clone $BASE $MA; echo \$?" "0"
testing "the clone is there" "test -x $IMG/$MA/usr/bin/payload; echo \$?" "0"
testing "its owner is recorded" "cat $OWN/$MA" "$(id -u $UA)"
testing "the record is root's" "stat -c %U $OWN/$MA" "root"
# rc CMD...: its output and exit code on one line
rc() { { "$@"; echo "rc=$?"; } 2>&1 | tr '\n' ' '; }
testing_grep "an image not allowed to users" "rc mc $UA clone $PRIV user-$UA-p" \
	"No image '$PRIV' that users may clone.* rc=1"
testing_grep "a name not the user's" "rc mc $UA clone $BASE mbu-x-$S" "are named user-$UA-\\* rc=1"
testing_grep "another user's prefix" "rc mc $UA clone $BASE user-$UC-x" "are named user-$UA-\\* rc=1"
testing_grep "alice may not take alice-bob's names" "rc mc $UA clone $BASE user-$UB-x" \
	"'user-$UB-x' is in the names of another user rc=1"
testing "nothing of those was made" "ls $IMG | grep -c -e user-$UA-p -e mbu-x -e user-$UC-x -e user-$UB-x" "0"
testing "alice-bob clones its own" "mc $UB clone $BASE $MB; echo \$?" "0"
testing_grep "a second clone to the name fails" "rc mc $UA clone $BASE $MA" "exists already.* rc=1"

# --- start, list, status ---
testing "the user starts its machine" "mc $UA start $MA; echo \$?" "0"
testing "alice-bob starts its machine" "mc $UB start $MB; echo \$?" "0"
testing "the user lists its own machine" "listed $UA $MA && echo yes" "yes"
testing "and not root's" "listed $UA $ROOTM || echo no" "no"
testing "nor alice-bob's" "listed $UA $MB || echo no" "no"
testing "root lists them all" "mctl list --no-legend | grep -c -e $MA -e $MB -e $ROOTM" "3"
testing "the group's member lists them all" "mc $UC list --no-legend | grep -c -e $MA -e $MB -e $ROOTM" "3"
testing "status of its own" "mc $UA status $MA | sed -n 's/^ *State: //p'" "running"

# --- shell and login into its own machine ---
testing "a shell's command runs as root in the guest" "mc $UA -q shell $MA /usr/bin/payload id" \
	"uid=0 gid=0 euid=0 egid=0"
testing "its exit status comes back" "mc $UA -q shell $MA /bin/sh -c 'exit 7'; echo \$?" "7"
testing "a piped script in the login shell" "echo 'echo hi; exit 3' | mc $UA -q shell $MA > $TEST_TMP/out; echo \$?; grep -c 'hi\$' $TEST_TMP/out" "3
1"
testing "-E and --uid reach the session" "mc $UA -q -E FOO=bar --uid=nobody shell $MA /usr/bin/payload env | grep -e ^FOO= -e ^USER=" \
	"FOO=bar
USER=nobody"
testing "in the machine's pid namespace" "mc $UA -q shell $MA /bin/readlink /proc/self/ns/pid" \
	"$(readlink /proc/$(container_pid $MA)/ns/pid)"
optional CFG_PRIVATE_USERS
testing "the guest's root is no host root: a user namespace" \
	"mc $UA -q shell $MA /usr/bin/payload cat /proc/self/uid_map | awk '\$1 == 0 { print (\$2 > 0) }'" "1"
optional
PTY="/usr/bin/python3 $TOP/test/lib/ptyrun.py"
testing "an interactive shell over a pty" \
	"$PTY --expect '# ' --send 'echo \$((6*7))\\n' --expect 42 --send 'exit 5\\n' -- setpriv --reuid=$UA --regid=$(id -g $UA) --clear-groups $BIN machinectl -q shell $MA >/dev/null; echo \$?" "5"
testing_grep "login: the guest's prompt, the escape returns" \
	"$PTY --timeout 20 --expect 'login:' --send '\\x1d\\x1d\\x1d' -- setpriv --reuid=$UA --regid=$(id -g $UA) --clear-groups sh -c '$BIN machinectl login $MA; echo rc=\$?' | tr '\\r\\n' '  '" \
	"$MA login: .*rc=0"

# --- what a user's guest root makes of its image does not stop machined ---
testing "the guest's root puts a FIFO at /etc/os-release" \
	"mc $UA -q shell $MA /bin/sh -c 'rm -f /etc/os-release /usr/lib/os-release && mkfifo /etc/os-release'; echo \$?" "0"
testing "the user reboots it: machined reads no FIFO" "mc $UA reboot $MA; echo \$?" "0"
testing "and answers root meanwhile" "mctl list --no-legend | grep -c -e $MA -e $ROOTM" "2"

# --- the guest never sees the control socket ---
testing "the socket is not in the guest" \
	"mc $UA -q shell $MA /bin/sh -c 'ls $MACHBOX_ROOT/run/machbox/control 2>/dev/null; ls /run/machbox 2>/dev/null; find / -xdev -type s -name control 2>/dev/null'" ""
testing "the guest has no socket of machined at all" \
	"mc $UA -q shell $MA /bin/sh -c 'cat /proc/net/unix' | grep -c machbox/control" "0"

# --- another user's machine is a missing one ---
same() {
	# same VERB...: alice's answer for alice-bob's running machine is the
	# answer for a machine that does not exist, word for word
	local a b
	a=$(mc $UA "$@" $MB 2>&1; echo "rc=$?")
	b=$(mc $UA "$@" user-$UB-none 2>&1; echo "rc=$?")
	b=$(printf '%s' "$b" | sed "s/user-$UB-none/$MB/g")
	if [ "$a" = "$b" ] && [ "${a##*rc=}" != 0 ]; then
		pass "$* of another's machine: as missing"
	else
		fail "$* of another's machine: as missing" "$(printf 'theirs: %s\nmissing: %s' "$a" "$b")"
	fi
}
for v in poweroff reboot terminate status start remove kill; do same $v; done
same -q shell
same login
testing_grep "the error names no owner" "mc $UA poweroff $MB" "^machinectl: No machine '$MB' known$"
testing "alice-bob's machine still runs" "listed $UB $MB && echo up" "up"
testing "root's machine as missing too" "mc $UA poweroff $ROOTM 2>&1" "machinectl: No machine '$ROOTM' known"
testing_grep "root's image may not be removed by a user" "mc $UA remove $PRIV; test -d $IMG/$PRIV && echo kept" "kept"
testing "a stale owner record of another user counts for nothing" \
	"echo $(id -u $UA) > $OWN/$ROOTM; mc $UA poweroff $ROOTM 2>&1; rm -f $OWN/$ROOTM" "machinectl: No machine '$ROOTM' known"

# --- the group manages every machine ---
testing "a ManageGroup member powers off another's machine" "mc $UC poweroff $MB; echo \$?" "0"
testing "alice-bob's machine is down" "listed $UB $MB || echo down" "down"
testing "alice-bob starts it again" "mc $UB start $MB; echo \$?" "0"

# --- root stays answered: 1,000 connections, an oversize datagram ---
FLOOD=$TEST_TMP/flood.py
cat > "$FLOOD" <<'EOF'
import resource, socket, sys, time
path, n = sys.argv[1], int(sys.argv[2])
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 64), hard))
held = []
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.connect(path)
        held.append(s)
    except OSError:
        s.close()
print("connected", len(held), flush=True)
time.sleep(float(sys.argv[3]))
EOF
# blocking connects: each waits for room in the listen backlog
setpriv --reuid=$UA --regid="$(id -g $UA)" --clear-groups -- \
	/usr/bin/python3 "$FLOOD" "$MACHBOX_ROOT/run/machbox/control" 1000 60 > "$TEST_TMP/flood.out" 2>&1 &
FLOOD_PID=$!
wait_for 30 grep -q connected "$TEST_TMP/flood.out"
testing "1,000 connections of one user: the flood got through connect" "sed -n 's/^connected //p' $TEST_TMP/flood.out" "1000"
testing "root's list is answered meanwhile" "mctl list --no-legend | grep -c -e $MA -e $MB -e $ROOTM" "3"
testing "and another user's" "listed $UB $MB && echo yes" "yes"
testing "and root starts and stops a machine" "mctl poweroff $ROOTM; mctl start $ROOTM; echo \$?" "0"
kill "$FLOOD_PID" 2>/dev/null
wait "$FLOOD_PID" 2>/dev/null
FLOOD_PID=""

BIG=$TEST_TMP/big.py
cat > "$BIG" <<'EOF'
import socket, struct, sys
path, size = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size + 65536)
s.connect(path)
msg = struct.pack("<IHH", 0x3158424d, 1, 2) + b"x" * (size - 9) + b"\0"
try:
    s.send(msg)
except OSError as e:
    print("send:", e.strerror)
    sys.exit(0)
s.settimeout(10)
r = s.recv(65536)
print("reply status", struct.unpack("<i", r[8:12])[0], r[12:].decode())
EOF
testing_grep "a 64 MiB datagram of a user" "as $UA /usr/bin/python3 $BIG $MACHBOX_ROOT/run/machbox/control $((64 << 20))" \
	"send: Message too long|reply status -90 request too large"
testing "a datagram past the limit that fits the socket: cut, refused" \
	"as $UA /usr/bin/python3 $BIG $MACHBOX_ROOT/run/machbox/control 150000" "reply status -90 request too large"
testing "root's list is answered after them" "mctl list --no-legend | grep -c -e $MA -e $MB -e $ROOTM" "3"

# --- stop and remove its own ---
testing "the user powers off its machine" "mc $UA poweroff $MA; echo \$?" "0"
testing "it is gone from the list" "listed $UA $MA || echo gone" "gone"
testing "the user removes its image" "mc $UA remove $MA; echo \$?" "0"
testing "the image is gone" "test -e $IMG/$MA; echo \$?" "1"
testing "and its owner record" "test -e $OWN/$MA; echo \$?" "1"
testing "removing it again: as missing" "mc $UA remove $MA 2>&1" "machinectl: No machine '$MA' known"
testing_grep "a running machine is not removed" "rc mc $UB remove $MB; test -d $IMG/$MB && echo kept" "in use.* rc=1 kept"
testing "root removes a user's stopped machine, the record goes too" \
	"mctl poweroff $MB; mctl remove $MB; test -e $OWN/$MB; echo \$?" "1"

testing "root powers off its machine" "mctl poweroff $ROOTM; echo \$?" "0"
testing "machined lived through all of it" "kill -0 $MD_PID && echo alive" "alive"
md_stop
testing "machined left no worker behind" "ours | wc -l" "0"
