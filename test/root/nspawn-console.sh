# Tier 3: nspawn at a terminal, its console log, .nspawn settings files,
# resolv.conf modes and cgroup limits.
. "$TOP/test/lib/testing.sh"
. "$TOP/test/lib/container.sh"
optional CFG_NSPAWN
need_root
if skipping; then skip "nspawn console tests" "$(skip_reason)"; exit 0; fi
R=$TEST_TMP/bb
if ! guest_tree busybox "$R"; then
	skip "nspawn console tests" "busybox fixture not built (test/fixtures/build.sh busybox)"
	exit 0
fi
M=mbtest-con
test_cleanup() { container_cleanup; }
PTY="/usr/bin/python3 $TOP/test/lib/ptyrun.py"

# --- at a terminal ---
testing "the window size reaches the guest" \
	"$PTY --cols 100 --rows 30 -- $MACHBOX nspawn -q -M $M -D $R /bin/sh -c 'stty size' | tr -d '\r'" "30 100"
testing "stdio of PID 1 is /dev/console" \
	"$PTY -- $MACHBOX nspawn -q -M $M -D $R /usr/bin/payload tty | tr -d '\r'" "stdin=tty stdout=tty ttyname=/dev/console"
testing "typing reaches an interactive shell; its exit status comes back" \
	"$PTY --expect '#' --send 'echo \$((6*7))\n' --expect 42 --send 'exit 3\n' -- $MACHBOX nspawn -q -M $M -D $R /bin/sh >/dev/null; echo \$?" "3"
testing_grep "^]^]^] stops a booted guest and the terminal is restored" \
	"$PTY --timeout 30 --expect MACHBOX-BOOT-OK --send '\x1d\x1d\x1d' -- sh -c '$MACHBOX nspawn -M $M -D $R -b; echo rc=\$?; stty -a' | tr '\\r\\n' '  '" \
	"rc=0 .* icanon"
testing "two ^] do not stop it" \
	"$PTY --timeout 30 --expect '#' --send '\x1d\x1d' --send 'echo still\n' --expect still --send 'exit\n' -- $MACHBOX nspawn -q -M $M -D $R /bin/sh >/dev/null; echo \$?" "0"

# --- without a terminal: a plain byte relay both ways ---
# (the pty echoes the input, so each line shows twice)
testing "stdin is relayed without a terminal, its end too" "printf 'a\\nb\\n' | timeout 20 $MACHBOX nspawn -q -M $M -D $R /bin/cat | tr -d '\r' | sort | uniq -c | awk '{print \$1, \$2}'" "2 a
2 b"
testing "--console=passive shows nothing" "$MACHBOX nspawn -q -M $M -D $R --console=passive /usr/bin/payload echo x </dev/null" ""

# --- the console log ---
log=$TEST_TMP/console.log
testing "--log-file keeps the console output" \
	"$MACHBOX nspawn -q -M $M -D $R --console=passive --log-file=$log /usr/bin/payload echo logged </dev/null; tr -d '\r' < $log" "logged"
testing "--log-file appends" \
	"$MACHBOX nspawn -q -M $M -D $R --console=passive --log-file=$log /usr/bin/payload echo again </dev/null; tr -d '\r' < $log" "logged
again"

# --- .nspawn settings ($MACHBOX_ROOT keeps them out of the real /etc) ---
export MACHBOX_ROOT=$TEST_TMP/mroot
mkdir -p "$MACHBOX_ROOT/etc/systemd/nspawn"
ns() { "$MACHBOX" nspawn -q -M $M -D "$R" --console=pipe "$@"; }
printf '[Exec]\nEnvironment=FROM_SETTINGS=1\nHostname=fromfile\n' > "$MACHBOX_ROOT/etc/systemd/nspawn/$M.nspawn"
testing "trusted settings apply" "ns /usr/bin/payload env | grep FROM_SETTINGS" "FROM_SETTINGS=1"
testing "the command line wins over settings" "ns --hostname=cli /usr/bin/payload hostname" "cli"
testing "--settings=no ignores the file" "ns --settings=no /usr/bin/payload hostname" "$M"
printf '[Exec]\nHostname=bad name\n' > "$MACHBOX_ROOT/etc/systemd/nspawn/$M.nspawn"
testing "a bad value fails" "ns /usr/bin/payload true 2>/dev/null; echo \$?" "1"
testing_grep "and names file, line and key" "ns /usr/bin/payload true" "$M.nspawn:2: Hostname="
rm "$MACHBOX_ROOT/etc/systemd/nspawn/$M.nspawn"
# untrusted: the file next to the image
U=$(dirname "$R")/$M.nspawn
mkdir -p "$TEST_TMP/secret" && echo secret > "$TEST_TMP/secret/f"
printf '[Exec]\nEnvironment=UNTRUSTED=1\n[Files]\nBind=%s:/mnt/secret\n[Frob]\nX=1\n' "$TEST_TMP/secret" > "$U"
testing "an untrusted file's safe keys apply" "ns /usr/bin/payload env | grep UNTRUSTED" "UNTRUSTED=1"
testing "an untrusted file's Bind= is ignored" "ns /usr/bin/payload ls /mnt/secret 2>/dev/null; echo \$?" "1"
testing_grep "with a warning" "ns /usr/bin/payload true" "Bind=.*ignored"
testing_grep "unknown sections warn" "ns /usr/bin/payload true" "Frob"
testing "--settings=trusted trusts it" "ns --settings=trusted /usr/bin/payload cat /mnt/secret/f 2>/dev/null" "secret"
rm -f "$U"
unset MACHBOX_ROOT

# --- resolv.conf ---
if [ -f /etc/resolv.conf ]; then
	rm -f "$R/etc/resolv.conf"
	testing "--resolv-conf=copy-host copies the host's" "ns --resolv-conf=copy-host /usr/bin/payload cat /etc/resolv.conf | cmp -s - /etc/resolv.conf && echo same" "same"
	testing "--resolv-conf=delete removes it" "ns --resolv-conf=delete /usr/bin/payload stat /etc/resolv.conf >/dev/null 2>&1; echo \$?" "1"
	testing "--resolv-conf=bind-host binds it read-only" "ns --resolv-conf=bind-host /bin/sh -c 'cat /etc/resolv.conf >/dev/null && echo x >> /etc/resolv.conf' 2>/dev/null; echo \$?" "1"
	rm -f "$R/etc/resolv.conf"	# bind-host made a mount point
	testing "--resolv-conf=off leaves the image alone" "ns --resolv-conf=off /usr/bin/payload stat /etc/resolv.conf >/dev/null 2>&1; echo \$?" "1"
else
	skip "resolv.conf modes" "the host has no /etc/resolv.conf"
fi

# --- cgroup limits: applied where the cgroup2 controller exists ---
if grep -qw pids "$CG2/cgroup.controllers" 2>/dev/null; then
	testing "TasksMax= limits the guest" "ns --property=TasksMax=5 /bin/sh -c 'cat /sys/fs/cgroup/pids.max'" "5"
else
	testing_grep "a missing pids controller is a warning, not a failure" \
		"ns --property=TasksMax=5 /usr/bin/payload echo ran" "pids.max ignored.*ran|ran"
	testing "and the payload still runs" "ns --property=TasksMax=5 /usr/bin/payload echo ran 2>/dev/null" "ran"
fi
if grep -qw memory "$CG2/cgroup.controllers" 2>/dev/null; then
	testing "MemoryMax= limits the guest" "ns --property=MemoryMax=64M /bin/sh -c 'cat /sys/fs/cgroup/memory.max'" "67108864"
else
	testing_grep "a missing memory controller is named" "ns --property=MemoryMax=64M /usr/bin/payload true" "memory.max ignored: the memory controller is not available"
fi
check_clean "$M" "$R" "nothing left by the console tests"
