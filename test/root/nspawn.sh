# Tier 3: nspawn with real containers on the busybox guest tree.
. "$TOP/test/lib/testing.sh"
. "$TOP/test/lib/container.sh"
optional CFG_NSPAWN
need_root
if skipping; then skip "nspawn root tests" "$(skip_reason)"; exit 0; fi
R=$TEST_TMP/bb
if ! guest_tree busybox "$R"; then
	skip "nspawn root tests" "busybox fixture not built (test/fixtures/build.sh busybox)"
	exit 0
fi
M=mbtest-bb
test_cleanup() { container_cleanup; }

ns() {
	"$MACHBOX" nspawn -q -M "$M" -D "$R" --console=pipe "$@"
}

# --- payloads: exit codes, identity, what PID 1 gets ---
testing "a command runs and its output comes back" "ns /usr/bin/payload echo hello" "hello"
testing "exit status is the payload's" "ns /usr/bin/payload exit 7; echo \$?" "7"
testing "the payload is PID 1" "ns /usr/bin/payload pid" "1"
testing "the host name is the machine name" "ns /usr/bin/payload hostname" "$M"
testing "--hostname" "ns --hostname=other /usr/bin/payload hostname" "other"
testing "container= is set" "ns /usr/bin/payload env | grep '^container='" "container=machbox"
testing "-E passes a variable" "ns -E FOO=bar /usr/bin/payload env | grep '^FOO='" "FOO=bar"
testing "PATH finds the command" "ns payload echo found" "found"
testing "--chdir" "ns --chdir=/etc /usr/bin/payload cwd" "/etc"
testing "-u nobody" "ns -u nobody /usr/bin/payload id" "$(awk -F: '$1=="nobody"{printf "uid=%s gid=%s euid=%s egid=%s", $3, $4, $3, $4}' "$R/etc/passwd")"
testing "a missing command fails with 1" "ns /nonexistent 2>/dev/null; echo \$?" "1"
testing_grep "a missing command is named" "ns /nonexistent" "cannot execute /nonexistent"
testing "no host fd crosses in" "ns /usr/bin/payload fds </dev/null | awk '{printf \"%s \", \$1}'" "0 1 2 "
testing "/proc is the container's" "ns /usr/bin/payload ls /proc | grep -cx '[0-9]*'" "1"
testing "/proc/sys is read-only" "ns /bin/sh -c 'echo 1 > /proc/sys/kernel/ctrl-alt-del' 2>/dev/null; echo \$?" "1"
testing "/sys is read-only" "ns /usr/bin/payload mounts | awk '\$1==\"/sys\"{print \$2, (\$3 ~ /(^|,)ro(,|$)/)}'" "sysfs 1"
testing "/dev is a tmpfs" "ns /usr/bin/payload mounts | awk '\$1==\"/dev\"{print \$2}'" "tmpfs"
testing "/dev has the safe nodes" "ns /bin/sh -c 'for n in null zero full random urandom tty ptmx console pts shm; do [ -e /dev/\$n ] || echo missing \$n; done'" ""
testing "/dev/kmsg is not there" "ns /bin/sh -c '[ -e /dev/kmsg ] && echo present'" ""
testing "/proc/kcore is masked" "ns /usr/bin/payload cat /proc/kcore | wc -c" "0"
# capbit BIT [OPTIONS]: 1 when the payload's bounding set has capability BIT
capbit() {
	local b=$1 v
	shift
	v=$(ns "$@" /bin/sh -c 'grep CapBnd /proc/self/status' | awk '{print $2}')
	[ -n "$v" ] && echo $(( (0x$v >> b) & 1 ))
}
testing "no CAP_SYS_MODULE" "capbit 16" "0"
testing "no CAP_SYS_TIME" "capbit 25" "0"
testing "CAP_SYS_ADMIN is kept (systemd needs it)" "capbit 21" "1"
testing "no CAP_NET_ADMIN on the host network" "capbit 12" "0"
testing "CAP_NET_ADMIN with a private network" "capbit 12 --private-network" "1"
testing "a private network has only lo" "ns --private-network /usr/bin/payload ls /sys/class/net" "lo"
testing "machine-id is stable" "[ \"\$(ns /usr/bin/payload env | grep container_uuid)\" = \"\$(ns /usr/bin/payload env | grep container_uuid)\" ] && echo same" "same"

# --- mounts ---
mkdir -p "$TEST_TMP/share" && echo shared > "$TEST_TMP/share/f"
testing "--bind" "ns --bind=$TEST_TMP/share:/mnt/share /usr/bin/payload cat /mnt/share/f" "shared"
testing "--bind writes through" "ns --bind=$TEST_TMP/share:/mnt/share /usr/bin/payload write /mnt/share/g x; cat $TEST_TMP/share/g" "x"
testing "--bind-ro is read-only" "ns --bind-ro=$TEST_TMP/share:/mnt/share /usr/bin/payload write /mnt/share/h x 2>/dev/null; echo \$?; [ -e $TEST_TMP/share/h ] || echo absent" "1
absent"
testing "--tmpfs" "ns --tmpfs=/srv /usr/bin/payload mounts | awk '\$1==\"/srv\"{print \$2}'" "tmpfs"
testing "--read-only root" "ns --read-only /usr/bin/payload write /etc/x y 2>/dev/null; echo \$?; [ -e $R/etc/x ] || echo absent" "1
absent"
testing "-x: writes vanish with the container" "ns -x /usr/bin/payload write /etc/eph y; [ -e $R/etc/eph ] || echo absent" "absent"
testing "-x: the container sees its writes" "ns -x /bin/sh -c 'echo y > /etc/eph; cat /etc/eph'" "y"
testing "--volatile=state: /var is a tmpfs, / read-only" "ns --volatile=state /bin/sh -c 'touch /var/x && echo var-ok; touch /x 2>/dev/null || echo root-ro'" "var-ok
root-ro"
testing "--volatile=yes: /usr from the image" "ns --volatile=yes /usr/bin/payload echo volatile" "volatile"
testing "--volatile=overlay: writes vanish" "ns --volatile=overlay /usr/bin/payload write /etc/vol y; [ -e $R/etc/vol ] || echo absent" "absent"
check_clean "$M" "$R" "no mount, cgroup or process left after the payload runs"

# --- hostile images ---
# (outside /tmp: the container gets its own tmpfs there)
OUT=$(mktemp -d /var/tmp/mbtest-out.XXXXXX)
test_cleanup() { container_cleanup; rm -rf "$OUT"; }
H=$TEST_TMP/hostile
cp -a "$R" "$H"
rm -rf "$H/dev" && ln -s "$OUT" "$H/dev"
testing "an image with /dev as a symlink out is refused" "\"\$MACHBOX\" nspawn -q -D $H --console=pipe /usr/bin/payload true 2>/dev/null; echo \$?; ls -A $OUT" "1"
testing_grep "and the error names /dev" "\"\$MACHBOX\" nspawn -q -D $H --console=pipe /usr/bin/payload true" "/dev is not a directory"
rm "$H/dev" && mkdir "$H/dev"
ln -s "$OUT" "$H/evil"
# /evil -> the host's $OUT resolves to $H$OUT, which does not exist: a
# clear error, and the host directory untouched
testing "a bind target behind a symlink out never reaches the host" "\"\$MACHBOX\" nspawn -q -D $H --console=pipe --bind=$TEST_TMP/share:/evil/x /usr/bin/payload true 2>/dev/null; echo \$?; ls -A $OUT" "1"
mkdir -p "$H$OUT"
testing "it lands inside the image when the target exists there" "\"\$MACHBOX\" nspawn -q -D $H --console=pipe --bind=$TEST_TMP/share:/evil/x /usr/bin/payload cat /evil/x/f; ls -A $OUT; ls -A $H$OUT" "shared
x"
rm -rf "$H"

# --- a booted guest ---
out=$TEST_TMP/boot.out
bg "$out" -q -M "$M" -D "$R" --console=read-only -b
if wait_for 20 grep -q MACHBOX-BOOT-OK "$out"; then pass "busybox init boots to its marker"; else fail "busybox init boots to its marker" "$(cat "$out")"; fi
testing "a second nspawn on the image is refused" "ns /usr/bin/payload true 2>/dev/null; echo \$?" "1"
testing_grep "and says it is in use" "ns /usr/bin/payload true" "in use by another machine"
cp=$(container_pid "$M")
testing "the guest runs in the machine's cgroup" "[ -n '$cp' ] && grep -c . $CG2/machbox/$M/cgroup.procs" "1"
kill -TERM "$BG"
wait_exit "$BG" 20
testing "SIGTERM powers the guest off cleanly (exit 0)" "echo $RC" "0"
testing "the guest ran its shutdown" "grep -c MACHBOX-SHUTDOWN $out" "1"
check_clean "$M" "$R" "no mount, cgroup or process left after a poweroff"

# reboot from inside: the first boot reboots, the second stays up
cat > "$R/etc/init.d/rc.local" <<'EOS'
#!/bin/sh
n=$(cat /root/boots 2>/dev/null || echo 0)
echo $((n + 1)) > /root/boots
[ "$n" = 0 ] && (sleep 0.2; reboot) &
exit 0
EOS
chmod +x "$R/etc/init.d/rc.local"
bg "$out" -q -M "$M" -D "$R" --console=read-only -b
if wait_for 30 sh -c "[ \$(grep -c MACHBOX-BOOT-OK $out) -ge 2 ]"; then pass "reboot() inside restarts the container"; else fail "reboot() inside restarts the container" "$(cat "$out")"; fi
kill -TERM "$BG"
wait_exit "$BG" 20
testing "after a reboot, SIGTERM still powers off (exit 0)" "echo $RC" "0"
testing "the guest booted twice" "cat $R/root/boots" "2"
rm -f "$R/etc/init.d/rc.local" "$R/root/boots"

# --- kill -9 of the monitor at several stages leaves nothing behind ---
for delay in 0 0.02 0.1 0.5 booted; do
	bg "$out" -q -M "$M" -D "$R" --console=read-only -b
	if [ "$delay" = booted ]; then wait_for 20 grep -q MACHBOX-BOOT-OK "$out"; else sleep "$delay"; fi
	kill -9 "$BG"
	wait "$BG" 2>/dev/null
	check_clean "$M" "$R" "kill -9 of the monitor ($delay) leaves nothing"
done

# --- a kill of the payload from outside ---
bg "$out" -q -M "$M" -D "$R" --console=pipe /usr/bin/payload wait-signal
wait_for 10 grep -q ready "$out"
kill -9 "$(container_pid "$M")"
wait_exit "$BG" 10
testing "a payload killed by SIGKILL: exit 137" "echo $RC" "137"
check_clean "$M" "$R" "nothing left after the payload was killed"

# --- --kill-signal: what a stop request sends ---
bg "$out" -q -M "$M" -D "$R" --console=pipe --kill-signal=SIGUSR1 /usr/bin/payload wait-signal
wait_for 10 grep -q ready "$out"
kill -TERM "$BG"
wait_exit "$BG" 10
testing "--kill-signal is what SIGTERM to nspawn sends" "tail -n 1 $out; echo $RC" "SIGUSR1
0"
# without --boot and --kill-signal, a stop is SIGKILL, as in systemd-nspawn
bg "$out" -q -M "$M" -D "$R" --console=pipe /usr/bin/payload wait-signal
wait_for 10 grep -q ready "$out"
kill -TERM "$BG"
wait_exit "$BG" 10
testing "a plain payload is killed on stop: 137" "echo $RC" "137"
# -b passes ARGS to init (busybox init rewrites its own argv, so a script
# in front of it shows them)
mv "$R/sbin/init" "$R/sbin/init.real"
printf '#!/bin/sh\necho "init args: $*"\nexec /bin/busybox init\n' > "$R/sbin/init"
chmod +x "$R/sbin/init"
bg "$out" -q -M "$M" -D "$R" --console=read-only -b -- --frob 3
if wait_for 20 grep -q MACHBOX-BOOT-OK "$out"; then pass "a script as init boots"; else fail "a script as init boots" "$(cat "$out")"; fi
kill -TERM "$BG"
wait_exit "$BG" 20
testing_grep "-b passes its arguments to init" "cat $out" "^init args: --frob 3"
rm "$R/sbin/init" && mv "$R/sbin/init.real" "$R/sbin/init"
check_clean "$M" "$R" "nothing left after the stop tests"

# --- the system call filter ---
optional CFG_SECCOMP
if [ "$(uname -m)" = x86_64 ]; then
	# x86_64 numbers: keyctl 250, open_by_handle_at 304, kexec_load 246,
	# swapon 167, ptrace 101
	testing "seccomp: the keyring answers EPERM" "ns /usr/bin/payload syscall 250 0 0" "EPERM"
	testing "seccomp: open_by_handle_at answers EPERM" "ns /usr/bin/payload syscall 304 -1 0 0" "EPERM"
	testing "seccomp: kexec_load answers EPERM" "ns /usr/bin/payload syscall 246 0 0" "EPERM"
	testing "seccomp: swapon answers EPERM" "ns /usr/bin/payload syscall 167 0 0" "EPERM"
	testing "--system-call-filter=@keyring allows it again" "ns --system-call-filter=@keyring /usr/bin/payload syscall 250 0 0" "EINVAL"
	testing "--system-call-filter=~ptrace denies more" "ns --system-call-filter='~ptrace' /usr/bin/payload syscall 101 0 0" "EPERM"
	testing "x32 system calls are refused" "ns /usr/bin/payload syscall 0x40000027" "ENOSYS"
	printf '[Exec]\nSystemCallFilter=@keyring\n' > "$(dirname "$R")/$M.nspawn"
	testing "SystemCallFilter= in an untrusted file is ignored" "ns /usr/bin/payload syscall 250 0 0 2>/dev/null" "EPERM"
	testing "and applies when trusted" "ns --settings=trusted /usr/bin/payload syscall 250 0 0" "EINVAL"
	rm -f "$(dirname "$R")/$M.nspawn"
else
	skip "seccomp tests" "system call numbers are written for x86_64"
fi
optional
