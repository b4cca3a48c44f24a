# Tier 3: machinectl shell, login, copy-to, copy-from and bind into a
# running busybox machine (no machined needed: these verbs join it).
. "$TOP/test/lib/testing.sh"
. "$TOP/test/lib/container.sh"
optional CFG_NSPAWN
need_root
if skipping; then skip "shell root tests" "$(skip_reason)"; exit 0; fi
R=$TEST_TMP/bb
if ! guest_tree busybox "$R"; then
	skip "shell root tests" "busybox fixture not built (test/fixtures/build.sh busybox)"
	exit 0
fi
M=mbtest-sh
H=$TEST_TMP/host
mkdir -p "$H"
test_cleanup() { container_cleanup; }
PTY="/usr/bin/python3 $TOP/test/lib/ptyrun.py"
MC="timeout 20 $MACHBOX machinectl"

bg "$TEST_TMP/console" -q -M $M -D "$R" --console=read-only -b
if ! wait_for 20 grep -q MACHBOX-BOOT-OK "$TEST_TMP/console"; then
	fail "the busybox machine boots" "$(cat "$TEST_TMP/console")"
	exit 0
fi
LEADER=$(container_pid $M)

# --- shell: exit status and output ---
testing "the command's exit status comes back" "$MC -q shell $M /bin/sh -c 'exit 7'; echo \$?" "7"
testing "a signal is 128+N" "$MC -q shell $M /bin/sh -c 'kill -9 \$\$'; echo \$?" "137"
testing "output to a pipe is the command's bytes" "$MC -q shell $M /bin/echo hello | od -An -c | tr -s ' '" " h e l l o \\n"
testing "a missing command is 127" "$MC -q shell $M /nonexistent 2>/dev/null >/dev/null; echo \$?" "127"
testing "PATH of the guest finds the command" "$MC -q shell $M payload echo found" "found"
testing_grep "the banner names the machine and the escape" "$MC shell $M /bin/true" \
	"Connected to machine $M. Press \\^] three times within 1s to exit session."
testing "-q drops it" "$MC -q shell $M /bin/true 2>&1" ""

# --- shell without a terminal: stdin relayed, its end passed on ---
testing "a piped script runs in the login shell" \
	"echo 'echo hi; exit 3' | $MC -q shell $M > $TEST_TMP/out; echo \$?; grep -c 'hi\$' $TEST_TMP/out" "3
1"
testing "the end of stdin ends the shell" "echo 'ls /etc' | $MC -q shell $M | grep -c passwd" "1"
testing "stdin reaches a command, not echoed" "printf 'a\\nb\\n' | $MC -q shell $M /bin/cat" "a
b"
testing "stdin /dev/null: EOF at once" "$MC -q shell $M /bin/cat </dev/null; echo \$?" "0"

# --- who and where the session is ---
testing "--uid=nobody" "$MC -q --uid=nobody shell $M /usr/bin/payload id" \
	"$(awk -F: '$1=="nobody"{printf "uid=%s gid=%s euid=%s egid=%s", $3, $4, $3, $4}' "$R/etc/passwd")"
testing "USER@NAME" "$MC -q shell nobody@$M /usr/bin/id -u" "65534"
testing "root@NAME" "$MC -q shell root@$M /usr/bin/id -u" "0"
testing "an unknown user fails" "$MC -q --uid=nosuch shell $M /bin/true 2>/dev/null; echo \$?" "1"
testing_grep "and is named" "$MC -q --uid=nosuch shell $M /bin/true" "user 'nosuch' not found in the machine"
testing "-E FOO=bar" "$MC -q -E FOO=bar shell $M /usr/bin/payload env | grep '^FOO='" "FOO=bar"
testing "the user's environment" "$MC -q --uid=nobody shell $M /usr/bin/payload env | grep -E '^(HOME|USER|LOGNAME)=' | sort | tr '\\n' ' '" \
	"HOME=/nonexistent LOGNAME=nobody USER=nobody "
testing "TERM for a pipe is dumb" "$MC -q shell $M /usr/bin/payload env | grep '^TERM='" "TERM=dumb"
testing "the login shell starts in HOME" "echo 'pwd' | $MC -q shell $M | grep -c '/root\$'" "1"
testing "its pid is small: the machine's pid namespace" "$MC -q shell $M /bin/sh -c 'echo \$\$' | awk '{print (\$1 < 100)}'" "1"
for ns in pid mnt net uts ipc cgroup; do
	testing "in the machine's $ns namespace" "$MC -q shell $M /bin/readlink /proc/self/ns/$ns" "$(readlink /proc/$LEADER/ns/$ns)"
done
testing "the root is the machine's" "$MC -q shell $M /bin/cat /etc/os-release | cmp -s - $R/etc/os-release && echo same" "same"
testing "the machine's bounding set" "$MC -q shell $M /bin/grep CapBnd /proc/self/status" "$(grep CapBnd /proc/$LEADER/status)"
testing "no host fd crosses in" "$MC -q shell $M /usr/bin/payload fds 7</dev/null | awk '{printf \"%s \", \$1}'" "0 1 2 "
testing "the pty is from the machine's devpts" "$MC -q shell $M /usr/bin/payload tty </dev/null | sed 's/[0-9]*\$/N/'" \
	"stdin=tty stdout=tty ttyname=/dev/pts/N"
# the cgroup: a session's process is in the leader's cgroup, seen from the host
$MC -q shell $M /bin/sleep 30 </dev/null >/dev/null 2>&1 &
SPID=$!
cg_has_sleep() {
	local p
	for p in $(cat "$CG2$(sed -n 's/^0:://p' /proc/$LEADER/cgroup)/cgroup.procs"); do
		[ "$(cat /proc/$p/comm 2>/dev/null)" = sleep ] && return 0
	done
	return 1
}
if wait_for 10 cg_has_sleep; then pass "in the machine's cgroup"; else fail "in the machine's cgroup"; fi
kill $SPID 2>/dev/null
wait $SPID 2>/dev/null
testing "the session ends with machinectl" "wait_for 5 sh -c '! $MACHBOX machinectl -q shell $M /bin/pidof sleep >/dev/null' && echo gone" "gone"

# --- at a terminal ---
testing "the window size reaches the session" "$PTY --cols 100 --rows 30 -- $MACHBOX machinectl -q shell $M /bin/stty size | tr -d '\\r'" "30 100"
testing "typing reaches an interactive shell; its exit status comes back" \
	"$PTY --expect '# ' --send 'echo \$((6*7))\\n' --expect 42 --send 'exit 5\\n' -- $MACHBOX machinectl -q shell $M >/dev/null; echo \$?" "5"
testing "a resize follows" \
	"$PTY --expect '# ' --winch 120x40 --send 'stty size\\n' --expect '40 120' --send 'exit\\n' -- $MACHBOX machinectl -q shell $M | grep -c '^40 120'" "1"
testing_grep "^]^]^] returns to the host with the terminal restored" \
	"$PTY --timeout 20 --expect '# ' --send '\\x1d\\x1d\\x1d' -- sh -c '$MACHBOX machinectl shell $M; echo rc=\$?; stty -a' | tr '\\r\\n' '  '" \
	"Connection to machine $M terminated.*rc=0 .* icanon .* echo "
testing "--escape=^A" \
	"$PTY --timeout 20 --expect '# ' --send '\\x01\\x01\\x01' -- sh -c '$MACHBOX machinectl -q --escape=^A shell $M; echo rc=\$?' | grep -c 'rc=0'" "1"
testing "two ^] do not end it" \
	"$PTY --timeout 20 --expect '# ' --send '\\x1d\\x1d' --send 'echo still\\n' --expect still --send 'exit\\n' -- $MACHBOX machinectl -q shell $M >/dev/null; echo \$?" "0"

# --- login ---
testing_grep "login: the guest's prompt over a pty, the escape returns" \
	"$PTY --timeout 20 --expect 'login:' --send '\\x1d\\x1d\\x1d' -- sh -c '$MACHBOX machinectl login $M; echo rc=\$?; stty -a' | tr '\\r\\n' '  '" \
	"$M login: .*rc=0 .* icanon"
testing "no login program is left behind" "sleep 0.5; $MC -q shell $M /bin/pidof login; echo \$?" "1"

# --- refusals ---
testing_grep "the host is not a machine" "$MC shell; echo rc=\$?" "\\.host.*not supported"
testing_grep "login to the host neither" "$MC login; echo rc=\$?" "\\.host.*not supported"
testing "the refusal is exit 1" "$MC shell 2>/dev/null; echo \$?" "1"
testing_grep "a machine that does not run" "$MC shell mbtest-none /bin/true; echo rc=\$?" "no machine 'mbtest-none' is running"
testing "--uid and USER@ together" "$MC --uid=root shell nobody@$M /bin/true 2>/dev/null; echo \$?" "2"

# --- copy-to, copy-from ---
T=$H/tree
mkdir -p "$T/sub/deeper"
echo one > "$T/a" && chmod 640 "$T/a" && chown 12:34 "$T/a"
ln -s a "$T/lnk"
ln -s /etc/passwd "$T/abs"
ln "$T/a" "$T/sub/hard"
mkfifo "$T/fifo"
echo x > "$T/sub/deeper/x" && chmod 4711 "$T/sub/deeper/x"
touch -d '2001-02-03 04:05:06' "$T/sub"
chmod 750 "$T/sub"
listing() {
	# mode owner size name [-> target] and mtime of directories, sorted
	(cd "$1" && find . -printf '%M %U:%G %y %p %l\n' | sed 's/ $//' | grep -v '^d.* \.$' | sort
	 stat -c '%n %Y' sub)
}
testing "copy-to copies a tree" "$MC copy-to $M $T /root/tree; echo \$?" "0"
testing "modes, owners, symlinks, fifos, times" "listing $R/root/tree" "$(listing "$T")"
testing "a hard link stays one" "stat -c %i $R/root/tree/a $R/root/tree/sub/hard | uniq | wc -l" "1"
testing "copy-to refuses to overwrite" "$MC copy-to $M $T /root/tree 2>/dev/null; echo \$?" "1"
testing_grep "and says why" "$MC copy-to $M $T /root/tree" "--force to replace it.*File exists"
echo two > "$T/a"
testing "--force replaces" "$MC --force copy-to $M $T /root/tree; cat $R/root/tree/a" "two"
testing "copy-from round-trips it" "$MC copy-from $M /root/tree $H/back; echo \$?; listing $H/back" "0
$(listing "$T")"
testing "copy-from refuses to overwrite" "$MC copy-from $M /root/tree $H/back 2>/dev/null; echo \$?" "1"
testing "a file to DIR/ lands in it" "$MC copy-to $M $T/a /root/; cat $R/root/a" "two"
testing "--mkdir makes the parents" "$MC --mkdir copy-to $M $T/a /new/deep/file; cat $R/new/deep/file" "two"
testing "without --mkdir they must exist" "$MC copy-to $M $T/a /none/file 2>/dev/null; echo \$?" "1"
testing "the guest path is resolved in the guest" "$MC copy-from $M /etc/os-release $H/os; cmp -s $H/os $R/etc/os-release && echo same" "same"
mkdir -p "$H/devtree" && mknod "$H/devtree/null" c 1 3
testing_grep "device nodes never cross, and the entry is named" "$MC copy-to $M $H/devtree /root/devtree; echo rc=\$?" \
	"Failed to copy '$H/devtree/null': Operation not permitted"
testing "a guest path must be absolute" "$MC copy-to $M $T/a rel 2>/dev/null; echo \$?" "2"

# a guest that plants symlinks to host paths cannot make us write there
echo secret > "$H/hostfile"
echo payload > "$H/evil"
ln -s "$H/hostfile" "$R/root/evil"
testing "a planted symlink at the destination: refused" "$MC copy-to $M $H/evil /root/evil 2>/dev/null; echo \$?; cat $H/hostfile" "1
secret"
testing "with --force the symlink is replaced, not followed" \
	"$MC --force copy-to $M $H/evil /root/evil; cat $H/hostfile; cat $R/root/evil" "secret
payload"
ln -s "$H" "$R/root/evildir"
testing "a planted symlink as the parent stays in the guest" \
	"$MC --force copy-to $M $H/evil /root/evildir/hostfile 2>/dev/null; echo \$?; cat $H/hostfile" "1
secret"
ln -s / "$R/root/up"
testing "an absolute link resolves at the guest's root" \
	"$MC --force copy-to $M $H/evil /root/up/root/via-link; cat $R/root/via-link" "payload"

# --- bind ---
mkdir -p "$H/share" && echo shared > "$H/share/f"
testing "bind a directory, --mkdir" "$MC --mkdir bind $M $H/share /mnt/share; echo \$?" "0"
testing "visible in the guest" "$MC -q shell $M /bin/cat /mnt/share/f" "shared"
testing "and writable" "$MC -q shell $M /bin/sh -c 'echo w > /mnt/share/g'; cat $H/share/g" "w"
testing "bind --read-only" "$MC --mkdir --read-only bind $M $H/share /mnt/ro; echo \$?" "0"
testing "reads" "$MC -q shell $M /bin/cat /mnt/ro/f" "shared"
testing "refuses writes" "$MC -q shell $M /bin/sh -c 'exec 2>/dev/null; echo w > /mnt/ro/h'; echo \$?; [ -e $H/share/h ] || echo absent" "1
absent"
testing "bind a file" "$MC --mkdir bind $M $H/hostfile /etc/fromhost; $MC -q shell $M /bin/cat /etc/fromhost" "secret"
testing "without --mkdir the target must exist" "$MC bind $M $H/share /nonexistent 2>/dev/null; echo \$?" "1"
testing "the host's mount table is untouched" "grep -c ' $H' /proc/self/mountinfo" "0"

# --- the end ---
kill -TERM "$BG"
wait_exit "$BG" 20
testing "the machine stops cleanly" "echo $RC" "0"
check_clean "$M" "$R" "nothing left by the shell tests"

# --- a systemd guest (Debian 12), when its fixture is built ---
D=/var/tmp/mbtest-shdeb.$$
test_cleanup() { container_cleanup; rm -rf "$D"; }
if ! guest_tree debian "$D"; then
	skip "shell into a systemd guest" "debian fixture not built (test/fixtures/build.sh debian)"
	exit 0
fi
MD=mbtest-shdeb
bg "$TEST_TMP/dconsole" -q -M $MD -D "$D" --private-network --console=read-only -b
if ! wait_for 90 grep -q MACHBOX-BOOT-OK "$TEST_TMP/dconsole"; then
	fail "the Debian machine boots" "$(tail -20 "$TEST_TMP/dconsole")"
	exit 0
fi
testing "systemd guest: a command and its status" "$MC -q shell $MD /bin/sh -c 'cat /etc/debian_version >/dev/null; exit 4'; echo \$?" "4"
testing "systemd guest: PID 1 is systemd" "$MC -q shell $MD /bin/cat /proc/1/comm" "systemd"
testing "systemd guest: --uid=nobody" "$MC -q --uid=nobody shell $MD /usr/bin/id -un" "nobody"
testing_grep "systemd guest: the login prompt over a pty" \
	"$PTY --timeout 30 --expect 'login:' --send '\\x1d\\x1d\\x1d' -- sh -c '$MACHBOX machinectl login $MD; echo rc=\$?' | tr '\\r\\n' '  '" \
	"$MD login: .*rc=0"
testing "systemd guest: copy-to and copy-from" \
	"$MC copy-to $MD $T/a /root/a && $MC copy-from $MD /root/a $H/deb-a && cat $H/deb-a" "two"
in_container $MD systemctl poweroff
wait_exit "$BG" 60
testing "the systemd guest powers off" "echo $RC" "0"
check_clean "$MD" "$D" "nothing left by the systemd guest"
