# Tier 3: machined + machinectl machine verbs with real busybox guests.
# Everything lives below MACHBOX_ROOT=$TEST_TMP/root; machined runs in the
# foreground in the background, and every process started here is stopped
# by pid in test_cleanup.  MACHINED_CYCLES sets the start/stop soak count.
. "$TOP/test/lib/testing.sh"
. "$TOP/test/lib/container.sh"
. "$TOP/test/lib/machined.sh"
optional CFG_MACHINED
need_root
if skipping; then skip "machined tests" "$(skip_reason)"; exit 0; fi
if [ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net)" ]; then
	skip "machined tests" "not in a private network namespace"
	exit 0
fi
if [ -z "$(fixture busybox)" ]; then
	skip "machined tests" "busybox fixture not built (test/fixtures/build.sh busybox)"
	exit 0
fi
ip link set lo up
chmod 711 "$TEST_TMP"
export MACHBOX_ROOT=$TEST_TMP/root
mkdir -p "$MACHBOX_ROOT/var/lib/machines" "$MACHBOX_ROOT/etc/systemd/nspawn"
chmod 755 "$MACHBOX_ROOT"
IMG=$MACHBOX_ROOT/var/lib/machines
REC=$MACHBOX_ROOT/run/machbox/machines
# names unique to this run: cgroups are global, and another run of this
# file (a CI clone) may be under way at the same time
S=$(printf %04x $((RANDOM)))
A=mdt-a-$S B=mdt-b-$S C=mdt-c-$S D=mdt-d-$S L=mdt-loop-$S X=mdt-crash-$S
NAMES="$A $B $C $D $L $X"
MD_PID=""
MD_LOG=$TEST_TMP/machined.log

# every monitor a record names, and machined itself, by pid
test_cleanup() {
	local f p n
	for f in "$REC"/*; do
		[ -f "$f" ] || continue
		p=$(sed -n 's/^MONITOR=//p' "$f")
		[ -n "$p" ] && [ "$p" -gt 1 ] && kill -9 "$p" 2>/dev/null
	done
	[ -n "$MD_PID" ] && kill -9 "$MD_PID" 2>/dev/null && wait "$MD_PID" 2>/dev/null
	for n in $NAMES; do
		wait_for 10 sh -c "[ ! -d '$CG2/machbox/$n' ]"
	done
	container_cleanup
	return 0
}

mctl() { "$MACHBOX" machinectl "$@"; }
# a busybox guest that asks the built-in DHCP server for an address
make_machine() {
	guest_tree busybox "$IMG/$1" || return 1
	cat > "$IMG/$1/etc/init.d/rc.local" <<'EOS'
#!/bin/sh
udhcpc -i host0 -q -n -t 10 -T 1 >/dev/null 2>&1
EOS
	chmod +x "$IMG/$1/etc/init.d/rc.local"
}
field() { sed -n "s/^$2=//p" "$REC/$1" 2>/dev/null; }
listed() { mctl list --no-legend | awk '{print $1}' | grep -qx "$1"; }
not_listed() { ! listed "$1"; }
has_address() { mctl list --no-legend | awk -v n="$1" '$1 == n && $6 ~ /^[0-9]+\./' | grep -q .; }
log_of() { echo "$MACHBOX_ROOT/var/log/machbox/$1.log"; }
marks() { grep -c MACHBOX-BOOT-OK "$(log_of "$1")" 2>/dev/null; }

for n in $A $B $C $D $L; do make_machine "$n"; done

# --- start-up, three machines ---
md_start
testing "machined listens" "test -S $MACHBOX_ROOT/run/machbox/control && echo yes" "yes"
testing "the socket is 0666" "stat -c %a $MACHBOX_ROOT/run/machbox/control" "666"
testing "no machines yet" "mctl list" "No machines."
testing "a second machined is refused" "\"\$MACHBOX\" machined -f 2>&1; echo \$?" "machined: machined is already running
1"
testing "start of three machines" "mctl start $A $B $C; echo \$?" "0"
testing "all three are listed" "mctl list --no-legend | awk '{print \$1}' | sort | tr '\n' ' '" "$A $B $C "
testing "the footer counts them" "mctl list | tail -1" "3 machines listed."
testing "class, service, OS and version columns" "mctl list --no-legend | awk '\$1==\"$A\" {print \$2, \$3, \$4}'" "container machbox busybox"
testing "the header" "mctl list | head -1 | tr -s ' '" "MACHINE CLASS SERVICE OS VERSION ADDRESSES"
bbver=$(sed -n 's/^VERSION_ID=//p' "$IMG/$A/etc/os-release" | tr -d '"')
testing "the version is the image's VERSION_ID" "mctl list --no-legend | awk '\$1==\"$B\" {print \$5}'" "$bbver"
if wait_for 20 has_address $A && wait_for 20 has_address $B && wait_for 20 has_address $C; then
	pass "each machine shows its leased address"
else
	fail "each machine shows its leased address" "$(mctl list)"
fi
testing "the table fits 80 columns" "mctl list | awk 'length > 80' | wc -l" "0"
testing_grep "status: state" "mctl status $A" "State: running"
testing_grep "status: OS" "mctl status $A" "OS: busybox $bbver"
testing_grep "status: address" "mctl status $A" "Address: [0-9]+\.[0-9]+\.[0-9]+\.[0-9]+"
testing_grep "status: leader" "mctl status $A" "Leader: [0-9]+ \(init\)"
testing_grep "status: the console log's last lines" "mctl status $A" "MACHBOX-BOOT-OK"
testing "show -p State --value" "mctl show -p State --value $B" "running"
testing "show -p Class -p Service (systemd's property order)" "mctl show -p Class -p Service $B" "Service=machbox
Class=container"
testing "show: Leader is the container's init" "mctl show -P Leader $C" "$(container_pid $C)"
testing "show: RootDirectory" "mctl show -P RootDirectory $C" "$IMG/$C"
testing "list -o json" "mctl list -o json | python3 -c 'import json,sys; v=json.load(sys.stdin); print(sorted(m[\"machine\"] for m in v), v[0][\"class\"], v[0][\"os\"])'" "['$A', '$B', '$C'] container busybox"
testing "show -o json" "mctl show -o json $A | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"State\"])'" "running"
testing "status of an unknown machine fails" "mctl status nope 2>&1; echo \$?" "machinectl: No machine 'nope' known
1"
testing "start of a missing image" "mctl start nope 2>&1; echo \$?" "machinectl: No machine image 'nope' found
1"
testing "a record per machine" "ls $REC | tr '\n' ' '" "$A $B $C "
testing_grep "records carry the boot id" "cat $REC/$A" "^BOOT_ID=$(cat /proc/sys/kernel/random/boot_id)$"

# --- a bad request costs its connection, never machined ---
bad_request() {
	python3 - "$MACHBOX_ROOT/run/machbox/control" "$1" <<'EOP'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.send(bytes.fromhex(sys.argv[2]))
r = s.recv(70000)
print(struct.unpack("=i", r[8:12])[0] if len(r) >= 12 else "none")
EOP
}
testing "garbage gets -EPROTO" "bad_request deadbeef00" "-71"
testing "a bad version gets -EPROTO" "bad_request 4d4258310200010000" "-71"
testing "an argument without NUL gets -EPROTO" "bad_request 4d42583101000200616263" "-71"
testing "a start without a name is refused" "bad_request 4d4258310100030000" "-22"
testing "machined still answers" "mctl list --no-legend | wc -l" "3"
testing "its RSS stays small with three machines (KiB < 1024)" "awk '/^VmRSS/ {print (\$2 < 1024)}' /proc/$MD_PID/status" "1"

# --- non-root callers: root's machines are not theirs to see or touch
# (test/root/usermachines.sh has users with machines of their own) ---
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
if [ -x "$MACHBOX" ] && as_nobody test -x "$MACHBOX"; then
	if [ "$(cfg CFG_USER_CONTAINERS)" = 1 ]; then
		testing "a user lists none of root's machines" "as_nobody \"\$MACHBOX\" machinectl list --no-legend | wc -l" "0"
		testing "a user may not power off" "as_nobody \"\$MACHBOX\" machinectl poweroff $A 2>&1; echo \$?" "machinectl: No machine '$A' known
1"
	else
		testing "a user may list" "as_nobody \"\$MACHBOX\" machinectl list --no-legend | wc -l" "3"
		testing "a user may not power off" "as_nobody \"\$MACHBOX\" machinectl poweroff $A 2>&1; echo \$?" "machinectl: permission denied: managing machines needs root
1"
	fi
else
	skip "non-root callers" "the binary is not readable by nobody"
fi

# --- poweroff, reboot, kill, terminate ---
testing "poweroff" "mctl poweroff $A; echo \$?" "0"
testing "a powered-off machine is not listed" "listed $A || echo gone" "gone"
testing "its record is gone" "test -e $REC/$A || echo gone" "gone"
check_clean $A "$IMG/$A" "poweroff leaves nothing behind"
testing "poweroff of a stopped machine fails" "mctl poweroff $A 2>/dev/null; echo \$?" "1"
testing "reboot" "mctl reboot $B; echo \$?" "0"
booted_twice() { [ "$(marks $B)" = 2 ]; }
if wait_for 20 booted_twice; then pass "after reboot the guest booted twice"; else fail "after reboot the guest booted twice" "$(tail -5 "$(log_of $B)")"; fi
testing "and it runs" "mctl show -P State $B" "running"
testing "kill --kill-whom=leader -s SIGUSR1 (busybox: halt)" "mctl kill --kill-whom=leader -s SIGUSR1 $B; echo \$?" "0"
if wait_for 20 not_listed $B; then pass "the guest halted on the signal"; else fail "the guest halted on the signal" "$(mctl status $B)"; fi
check_clean $B "$IMG/$B" "a guest that halts itself leaves nothing"
testing "terminate" "mctl start $B && mctl terminate $B; echo \$?" "0"
check_clean $B "$IMG/$B" "terminate leaves nothing behind"

# --- kill -9 machined: its machines are re-adopted ---
mctl start $A $B >/dev/null
mon_a=$(field $A MONITOR)
kill -9 "$MD_PID"; wait "$MD_PID" 2>/dev/null; MD_PID=""
testing "machines run on without machined" "kill -0 $mon_a && echo alive" "alive"
md_start
testing "every machine re-adopted" "mctl list --no-legend | awk '{print \$1}' | sort | tr '\n' ' '" "$A $B $C "
testing "the same monitor" "field $A MONITOR" "$mon_a"
testing "an adopted machine powers off" "mctl poweroff $C; echo \$?" "0"
check_clean $C "$IMG/$C" "an adopted machine leaves nothing"
echo "STALE" > "$REC/mdt-stale"
printf 'NAME=mdt-x\nSTATE=running\nMONITOR=1\nBOOT_ID=x\n' > "$REC/mdt-x"
kill -9 "$MD_PID"; wait "$MD_PID" 2>/dev/null; MD_PID=""
md_start
testing "stale records are removed at start-up" "ls $REC | tr '\n' ' '" "$A $B "

# --- kill -9 of one monitor: restart only when the policy says so ---
kill -9 "$(field $A MONITOR)"
if wait_for 15 not_listed $A; then pass "a killed monitor's machine ends"; else fail "a killed monitor's machine ends" "$(mctl list)"; fi
check_clean $A "$IMG/$A" "a killed monitor leaves nothing"
testing "Restart=no: it stays down" "sleep 1; listed $A || echo down" "down"
printf '[Machbox]\nRestart=always\n' > "$MACHBOX_ROOT/etc/systemd/nspawn/$A.nspawn"
mctl start $A
old=$(field $A MONITOR)
testing "Restart=always is recorded" "field $A RESTART" "always"
kill -9 "$old"
restarted() { m=$(field $A MONITOR); [ -n "$m" ] && [ "$m" != "$old" ] && [ "$(mctl show -P State $A)" = running ]; }
if wait_for 20 restarted; then pass "Restart=always: it comes back"; else fail "Restart=always: it comes back" "$(cat "$MD_LOG" | tail -5)"; fi
mctl poweroff $A
testing "poweroff of a Restart=always machine is final" "sleep 1; listed $A || echo down" "down"
rm -f "$MACHBOX_ROOT/etc/systemd/nspawn/$A.nspawn"

# --- crash-loop guard ---
guest_tree busybox "$IMG/$X"
printf '#!/bin/sh\nexit 3\n' > "$IMG/$X/sbin/init.crash"
chmod +x "$IMG/$X/sbin/init.crash"
ln -sfn init.crash "$IMG/$X/sbin/init"
printf '[Machbox]\nRestart=always\n' > "$MACHBOX_ROOT/etc/systemd/nspawn/$X.nspawn"
mctl start $X >/dev/null 2>&1
crashed() { mctl status $X 2>/dev/null | grep -q 'State: failed'; }
if wait_for 30 crashed; then pass "a crash loop ends in FAILED"; else fail "a crash loop ends in FAILED" "$(tail -5 "$MD_LOG")"; fi
testing "after more than 5 deaths" "grep -c 'machine $X: starting -> ' $MD_LOG | awk '{print (\$1 >= 6)}'" "1"
testing "and stays down" "sleep 1; mctl show -P State $X" "failed"
check_clean $X "$IMG/$X" "a crash loop leaves nothing"

# --- two concurrent starts: one wins, the other is busy ---
busy=0
for try in 1 2 3; do
	mctl start $D >"$TEST_TMP/s1" 2>&1 & p1=$!
	mctl start $D >"$TEST_TMP/s2" 2>&1 & p2=$!
	wait $p1; r1=$?; wait $p2; r2=$?
	if [ $((r1 + r2)) = 1 ]; then busy=1; break; fi
	mctl poweroff $D
done
if [ $busy = 1 ]; then pass "two concurrent starts: one wins"; else fail "two concurrent starts: one wins" "$r1 $r2"; fi
testing "the other gets a busy error" "cat $TEST_TMP/s1 $TEST_TMP/s2" "machinectl: machine $D is already starting"
mctl poweroff $D

# --- enable, disable, SIGTERM ---
testing "enable" "mctl -q enable $C; echo \$?" "0"
testing "enabled is a file" "ls $MACHBOX_ROOT/etc/machbox/enabled" "$C"
md_stop
testing "SIGTERM: machined exits 0" "echo $MD_RC" "0"
testing "SIGTERM powered every machine off" "ls $REC | wc -l" "0"
check_clean $B "$IMG/$B" "SIGTERM leaves nothing behind"
md_start
if wait_for 15 listed $C; then pass "an enabled machine comes up with machined"; else fail "an enabled machine comes up with machined" "$(tail -5 "$MD_LOG")"; fi
testing "only the enabled one" "mctl list --no-legend | awk '{print \$1}'" "$C"
testing "disable --now" "mctl -q disable --now $C; echo \$?" "0"
testing "disable --now powered it off" "listed $C || echo down" "down"
md_stop
md_start
testing "a disabled machine does not come up" "sleep 1; mctl list" "No machines."

# --- autostart order and delay from machbox.conf [Machines] ---
printf '[Console]\nEscapeKey=^]\n[Machines]\nOrder=%s %s\nAutostartDelaySec=1\n' "$D" "$C" > "$MACHBOX_ROOT/etc/machbox/machbox.conf"
mctl -q enable $C $D
md_stop
md_start
if wait_for 15 listed $C && wait_for 15 listed $D; then pass "two enabled machines come up"; else fail "two enabled machines come up" "$(tail -5 "$MD_LOG")"; fi
testing "in the Order= of machbox.conf" "grep -o 'autostart: mdt-[cd]-$S' $MD_LOG | tail -2 | tr '\n' ' '" "autostart: $D autostart: $C "
gap=$(( ($(mctl show -P TimestampUSec $C) - $(mctl show -P TimestampUSec $D)) / 1000 ))
testing "AutostartDelaySec= spaces them (ms >= 900)" "echo $(( gap >= 900 ))" "1"
mctl -q disable --now $C $D
rm -f "$MACHBOX_ROOT/etc/machbox/machbox.conf"

# --- start from a machinectl when machined does not run ---
md_stop
testing "start starts machined when it is not running" "mctl start $D; echo \$?" "0"
AUTO_PID=$(cat "$MACHBOX_ROOT/run/machbox/machined.pid" 2>/dev/null)
testing "and it daemonised" "[ -n \"$AUTO_PID\" ] && [ \"\$(awk '{print \$4}' /proc/$AUTO_PID/stat)\" = 1 ] && echo yes" "yes"
MD_PID=$AUTO_PID
mctl poweroff $D
kill -TERM "$AUTO_PID"
wait_for 30 sh -c "! kill -0 $AUTO_PID" && MD_PID=""
testing "the daemon stops on SIGTERM" "kill -0 $AUTO_PID 2>/dev/null || echo gone" "gone"

# --- a Debian guest with systemd, under machined ---
DEB=mdt-deb-$S
NAMES="$NAMES $DEB"
if guest_tree debian "$IMG/$DEB"; then
	md_start
	testing "a systemd machine starts" "mctl start $DEB; echo \$?" "0"
	testing "list shows its OS and version" "mctl list --no-legend | awk '\$1 == \"$DEB\" {print \$4, \$5}'" "debian 12"
	# "started" is when systemd runs; its bus comes a moment later
	sys_bus() { mctl shell $DEB /bin/test -S /run/systemd/private >/dev/null 2>&1; }
	wait_for 60 sys_bus
	state=$(mctl shell $DEB /bin/systemctl is-system-running --wait 2>/dev/null | tr -d '\r')
	case $state in
	running|degraded) pass "systemctl is-system-running in it: $state" ;;
	*) fail "systemctl is-system-running in it" "$state" ;;
	esac
	testing "shell runs a command and returns its status" "mctl shell $DEB /bin/sh -c 'exit 5' >/dev/null 2>&1; echo \$?" "5"
	testing "reboot: systemd comes back" "mctl reboot $DEB; echo \$?" "0"
	testing "poweroff: the systemd way" "mctl poweroff $DEB; echo \$?" "0"
	check_clean $DEB "$IMG/$DEB" "a systemd machine leaves nothing"
	md_stop
	rm -rf "${IMG:?}/$DEB"
else
	skip "systemd machine under machined" "debian fixture not built"
fi

# --- soak: start/stop cycles leak nothing ---
md_start
cycles=${MACHINED_CYCLES:-50}
mctl start $L >/dev/null && mctl poweroff $L
fds0=$(ls /proc/$MD_PID/fd | wc -l)
mnt0=$(wc -l < /proc/self/mountinfo)
bad=0
for i in $(seq "$cycles"); do
	mctl start $L || { bad=$i; break; }
	mctl poweroff $L || { bad=$i; break; }
done
if [ "$bad" = 0 ]; then pass "$cycles start/poweroff cycles"; else fail "$cycles start/poweroff cycles" "cycle $bad: $(tail -8 "$(log_of $L)")"; fi
testing "machined's fds did not grow" "ls /proc/$MD_PID/fd | wc -l" "$fds0"
testing "mounts did not grow" "wc -l < /proc/self/mountinfo" "$mnt0"
testing "no record left" "ls $REC | wc -l" "0"
check_clean $L "$IMG/$L" "the soak leaves no cgroup or process"
md_stop
testing "machined removes its socket on exit" "test -e $MACHBOX_ROOT/run/machbox/control || echo gone" "gone"
