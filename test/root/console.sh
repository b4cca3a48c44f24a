# Tier 3: machinectl console and logs, attached to a running nspawn monitor.
. "$TOP/test/lib/testing.sh"
. "$TOP/test/lib/container.sh"
optional CFG_MACHINECTL
need_root
if skipping; then skip "console tests" "$(skip_reason)"; exit 0; fi
R=$TEST_TMP/bb
if ! guest_tree busybox "$R"; then
	skip "console tests" "busybox fixture not built (test/fixtures/build.sh busybox)"
	exit 0
fi
export MACHBOX_ROOT=$TEST_TMP/root
mkdir -p "$MACHBOX_ROOT/var/log/machbox"
M=mbtest-con2
LOG=$MACHBOX_ROOT/var/log/machbox/$M.log
PTY="/usr/bin/python3 $TOP/test/lib/ptyrun.py"
test_cleanup() { container_cleanup; }
mc() { "$MACHBOX" machinectl "$@"; }

# a shell as the payload, on the console pty, nobody attached
bg "$TEST_TMP/out" -q -M "$M" -D "$R" --console=passive --log-file="$LOG" /bin/sh -c 'echo SHELL-READY; exec /bin/sh -i'
wait_for 10 grep -q SHELL-READY "$LOG"
testing "the console socket exists while it runs" "test -S $MACHBOX_ROOT/run/machbox/console/$M && echo yes" "yes"
testing_grep "console replays what was printed before attaching" \
	"$PTY --timeout 10 --expect SHELL-READY --send '\x1d\x1d\x1d' -- $MACHBOX machinectl console $M" "SHELL-READY"
testing_grep "typing reaches the guest, ^]^]^] detaches" \
	"$PTY --timeout 10 --expect SHELL-READY --send 'echo \$((6*7))\r' --expect 42 --send '\x1d\x1d\x1d' -- $MACHBOX machinectl console $M" "Detached from $M"
testing "the machine runs on after a detach" "kill -0 $BG && echo running" "running"
testing_grep "--read-only sees output but does not type" \
	"$PTY --timeout 10 --expect SHELL-READY --send 'echo typed-\$((1+1))\r' --send '\x1d\x1d\x1d' -- $MACHBOX machinectl --read-only console $M; grep -c typed-2 $LOG" "^0$"
testing "the window size reaches the console" \
	"$PTY --timeout 10 --cols 91 --rows 33 --expect SHELL-READY --send 'stty size\r' --expect '33 91' --send '\x1d\x1d\x1d' -- $MACHBOX machinectl console $M >/dev/null; echo \$?" "0"
testing_grep "--escape= picks another key" \
	"$PTY --timeout 10 --expect SHELL-READY --send '\x01\x01\x01' -- $MACHBOX machinectl console --escape=^A $M" "Detached"

# logs
testing "logs -n 1: the last line" "mc logs -n 1 $M | tr -d '\r' | tail -n 1 | grep -c ." "1"
testing_grep "logs shows the console" "mc logs -n 100 $M" "SHELL-READY"
# (the binary itself in the background, not the mc function: $! must be
# its pid, or the kill below would only end a subshell)
"$MACHBOX" machinectl logs -f -n 0 "$M" > "$TEST_TMP/follow" 2>&1 &
F=$!
BG_PIDS="$BG_PIDS $F"
sleep 0.2
$PTY --timeout 10 --expect SHELL-READY --send 'echo FOLLOW-$((3*3))\r' --expect FOLLOW-9 --send '\x1d\x1d\x1d' -- "$MACHBOX" machinectl console "$M" >/dev/null
if wait_for 5 grep -q FOLLOW-9 "$TEST_TMP/follow"; then pass "logs -f follows new output"; else fail "logs -f follows new output" "$(cat "$TEST_TMP/follow")"; fi
kill "$F" 2>/dev/null
wait "$F" 2>/dev/null

kill -TERM "$BG"
wait_exit "$BG" 10
testing "no console socket after the machine ends" "ls -A $MACHBOX_ROOT/run/machbox/console/" ""
testing "console of a machine that does not run fails" "mc console $M 2>/dev/null; echo \$?" "1"
testing_grep "and says so" "mc console $M" "not running"
testing "logs of an unknown machine fails" "mc logs nosuch 2>/dev/null; echo \$?" "1"
testing "console of a bad name is a usage error" "mc console 'a/b' 2>/dev/null; echo \$?" "2"

# a machine still being built has no leader yet: nothing may join it
# (PID 1 exists from clone on, with the host's root until pivot_root)
mkdir -p "$TEST_TMP/slowbind"
bg "$TEST_TMP/slow.out" -q -M "$M" -D "$R" --console=passive --bind="$TEST_TMP/slowbind:/slow" /bin/sh -c 'sleep 5'
seen_host=0
for i in $(seq 40); do
	o=$(mc shell "$M" /bin/sh -c 'cat /etc/os-release' 2>/dev/null | tr -d '\r')
	case $o in *machbox*|*BusyBox*|"") ;; *) seen_host=1 ;; esac
done
testing "a shell never lands in a half-built machine" "echo $seen_host" "0"
kill -TERM "$BG"
wait_exit "$BG" 10
check_clean "$M" "$R" "nothing left by the console tests"
