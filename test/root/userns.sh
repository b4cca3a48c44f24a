# Tier 3: user namespaces (--private-users=, -U): container root is an
# unprivileged host uid; idmapped and chowned images; ranges locked.
. "$TOP/test/lib/testing.sh"
. "$TOP/test/lib/container.sh"
optional CFG_PRIVATE_USERS
need_root
if skipping; then skip "user namespace tests" "$(skip_reason)"; exit 0; fi
R=$TEST_TMP/bb
R2=$TEST_TMP/bb2
R3=$TEST_TMP/bb3
if ! guest_tree busybox "$R" || ! guest_tree busybox "$R2" || ! guest_tree busybox "$R3"; then
	skip "user namespace tests" "busybox fixture not built (test/fixtures/build.sh busybox)"
	exit 0
fi
export MACHBOX_ROOT=$TEST_TMP/root
mkdir -p "$MACHBOX_ROOT"
M=un-bb M2=un-bb2 MD=un-deb
D=/var/tmp/un-debian.$$
test_cleanup() { container_cleanup; rm -rf "$D"; }

ns() { "$MACHBOX" nspawn -q -M "$M" -D "$R" --console=pipe "$@"; }
# the base of a range from a uid_map line "0 BASE RANGE"
base_of() { awk '$1 == 0 {print $2}' "/proc/$1/uid_map"; }
host_uid() { awk '/^Uid:/ {print $2}' "/proc/$1/status"; }
owner() { stat -c '%u:%g' "$1"; }

# --- options ---
testing "a bad --private-users= is a usage error" "ns --private-users=maybe true 2>/dev/null; echo \$?" "2"
testing_grep "and says which value" "ns --private-users=maybe true" "bad --private-users= value 'maybe'"
testing "a bad --private-users-ownership= is a usage error" "ns --private-users-ownership=copy true 2>/dev/null; echo \$?" "2"
testing "a range past (uid_t)-1 is refused" "ns --private-users=4294901760:65536 true 2>/dev/null; echo \$?" "2"
testing "an error is one line" "ns --private-users=1:0 true 2>&1 | wc -l" "1"
mkdir -p "$MACHBOX_ROOT/etc/systemd/nspawn"
printf '[Exec]\nPrivateUsers=sometimes\n' > "$MACHBOX_ROOT/etc/systemd/nspawn/$M.nspawn"
testing "a bad PrivateUsers= in a settings file is named" "ns true 2>&1; echo rc=\$?" "nspawn: invalid PrivateUsers= value 'sometimes'
rc=1"
printf '[Exec]\nPrivateUsers=pick\n[Files]\nPrivateUsersOwnership=chown\n' > "$MACHBOX_ROOT/etc/systemd/nspawn/$M.nspawn"
testing "a trusted file turns them on" "ns /usr/bin/payload cat /proc/self/uid_map | awk '{print \$1, \$3}'" "0 65536"
testing "with its ownership mode" "owner $R | grep -vc '^0:0'" "1"
ns --private-users=identity --private-users-ownership=chown true
mv "$MACHBOX_ROOT/etc/systemd/nspawn/$M.nspawn" "$R.nspawn"
testing "an untrusted file cannot turn them on" "ns --settings=yes /usr/bin/payload cat /proc/self/uid_map | awk '{print \$2}'" "0"
rm -f "$R.nspawn"

# --- pick, idmapped (the image stays owned by 0 on disk) ---
testing "the guest is root inside" "ns -U /usr/bin/payload id" "uid=0 gid=0 euid=0 egid=0"
out=$(ns -U /bin/sh -c 'cat /proc/self/uid_map; touch /root/made-in-map')
base=$(echo "$out" | awk '{print $2}')
testing "a 64K range" "echo '$out' | awk '{print \$1, \$3}'" "0 65536"
testing "picked inside 0x80000..0x6FFF0000, 64K-aligned" "[ '$base' -ge 524288 ] && [ '$base' -lt 1879048192 ] && [ \$(( $base % 65536 )) = 0 ] && echo ok" "ok"
testing "the same name picks the same range" "ns -U /usr/bin/payload cat /proc/self/uid_map | awk '{print \$2}'" "$base"
testing "map: the image's root stays root-owned on disk" "owner $R" "0:0"
testing "map: a file the guest makes is 0 on disk" "owner $R/root/made-in-map" "0:0"
testing "map: the guest sees its files as its own" "ns -U /usr/bin/payload stat /etc/passwd | grep -o 'uid=[0-9]* gid=[0-9]*'" "uid=0 gid=0"

# --- booted busybox guests, seen from the host ---
bg "$TEST_TMP/console" -q -M "$M" -D "$R" --console=read-only -U -b
BG1=$BG
if wait_for 20 grep -q MACHBOX-BOOT-OK "$TEST_TMP/console"; then
	pass "busybox boots under -U"
	P=$(container_pid "$M")
	PBASE=$(base_of "$P")
	testing "its init is an unprivileged host uid" "[ \$(host_uid $P) -ge 524288 ] && echo nonroot" "nonroot"
	testing "its uid is its range's base" "host_uid $P" "$PBASE"
	testing "/proc/PID/uid_map on the host" "awk '{print \$1, \$3}' /proc/$P/uid_map" "0 65536"
	testing "the machine's cgroup is delegated to its root" "stat -c %u $CG2/machbox/$M $CG2/machbox/$M/cgroup.procs | uniq" "$PBASE"
	testing "the range is locked, with the holder's name" "cat $MACHBOX_ROOT/run/machbox/uidrange/$PBASE" "$M"
	# a second machine at the same time: another range
	bg "$TEST_TMP/console2" -q -M "$M2" -D "$R2" --console=read-only -U -b
	BG2=$BG
	if wait_for 20 grep -q MACHBOX-BOOT-OK "$TEST_TMP/console2"; then
		P2=$(container_pid "$M2")
		P2BASE=$(base_of "$P2")
		testing "two machines get different ranges" "[ '$PBASE' != '$P2BASE' ] && echo different" "different"
		testing "a fixed range in use is refused" \
			"\"\$MACHBOX\" nspawn -q -M un-bb3 -D $R3 --console=pipe --private-users=$PBASE true 2>&1; echo rc=\$?" \
			"nspawn: the uid range of un-bb3 ($PBASE) is in use by another machine
rc=1"
		testing "machinectl shell runs as the guest's root" "timeout 20 \"\$MACHBOX\" machinectl -q shell $M2 /usr/bin/payload id" "uid=0 gid=0 euid=0 egid=0"
		testing "machinectl shell joins the user namespace" "timeout 20 \"\$MACHBOX\" machinectl -q shell $M2 /bin/cat /proc/self/uid_map | awk '{print \$2}'" "$P2BASE"
		echo hostfile > "$TEST_TMP/hostfile"
		testing "copy-to a userns machine" "timeout 20 \"\$MACHBOX\" machinectl copy-to $M2 $TEST_TMP/hostfile /root/copied; echo \$?" "0"
		testing "copy-to: the file is the guest root's inside" "timeout 20 \"\$MACHBOX\" machinectl -q shell $M2 /usr/bin/payload stat /root/copied | grep -o 'uid=[0-9]* gid=[0-9]*'" "uid=0 gid=0"
		testing "copy-to: and 0 on disk through the idmapping" "owner $R2/root/copied" "0:0"
		testing "copy-from a userns machine" "timeout 20 \"\$MACHBOX\" machinectl copy-from $M2 /root/copied $TEST_TMP/back && cat $TEST_TMP/back && owner $TEST_TMP/back" "hostfile
0:0"
		mkdir -p "$TEST_TMP/share" && echo shared > "$TEST_TMP/share/f"
		testing "machinectl bind into a userns machine" "timeout 20 \"\$MACHBOX\" machinectl bind --mkdir $M2 $TEST_TMP/share /mnt/share && timeout 20 \"\$MACHBOX\" machinectl -q shell $M2 /usr/bin/payload cat /mnt/share/f" "shared"
		kill -TERM "$BG1"
		wait_exit "$BG1" 20
		testing "a stopped machine's range is free again" \
			"\"\$MACHBOX\" nspawn -q -M un-bb3 -D $R3 --console=pipe --private-users=$PBASE --private-users-ownership=map /usr/bin/payload cat /proc/self/uid_map | awk '{print \$2}'" \
			"$PBASE"
		kill -TERM "$BG2"
		wait_exit "$BG2" 20
	else
		fail "a second machine boots under -U" "$(cat "$TEST_TMP/console2")"
	fi
else
	fail "busybox boots under -U" "$(cat "$TEST_TMP/console")"
fi
container_cleanup
BG_PIDS=""
check_clean "$M" "$R" "nothing left of the busybox machine"

# --- chown: owners mapped on disk, recorded in the root, reversible ---
chmod u+s "$R/bin/busybox"
out=$(ns --private-users=pick --private-users-ownership=chown /bin/sh -c 'cat /proc/self/uid_map; touch /root/made-in-chown; ls -ln /bin/busybox' 2>&1)
cbase=$(echo "$out" | awk 'NR==1 {print $2}')
testing "chown: the root directory records the range" "owner $R" "$cbase:$cbase"
testing "chown: image files are the range's on disk" "owner $R/etc/passwd" "$cbase:$cbase"
testing "chown: a file the guest makes is the range's" "owner $R/root/made-in-chown" "$cbase:$cbase"
testing "chown: the guest sees them as root's" "echo '$out' | awk 'NR==2 {print \$3, \$4}'" "0 0"
testing "chown: set-uid bits survive" "stat -c %A $R/bin/busybox | cut -c4" "s"
testing "pick reuses the recorded range" "ns -U /usr/bin/payload cat /proc/self/uid_map | awk '{print \$2}'" "$cbase"
testing "map with the range it was chowned to is a no-op" "ns --private-users=pick --private-users-ownership=map /usr/bin/payload stat /root/made-in-chown | grep -o 'uid=[0-9]*'" "uid=0"
testing_grep "map refuses a tree chowned to another range" "{ ns --private-users=655360 --private-users-ownership=map true; echo rc=\$?; } 2>&1 | tr '\\n' ' '" "map needs it owned from 0.*rc=1"
testing "identity + chown shifts it back" "ns --private-users=identity --private-users-ownership=chown true && owner $R && owner $R/root/made-in-chown" "0:0
0:0"
testing_grep "chown of a read-only image is refused" "{ ns --read-only --private-users=655360 --private-users-ownership=chown true; echo rc=\$?; } 2>&1 | tr '\\n' ' '" "forbid.*rc=1"
testing "and leaves it as it was" "owner $R/etc/passwd" "0:0"
if command -v setcap >/dev/null && setcap cap_net_raw+ep "$R/bin/busybox" 2>/dev/null; then
	ns --private-users=655360 --private-users-ownership=chown true
	testing "chown: file capabilities survive, rooted in the range" "getcap -n $R/bin/busybox | grep -o 'cap_net_raw=ep.*rootid=655360'" "cap_net_raw=ep [rootid=655360"
	ns --private-users=identity --private-users-ownership=chown true
else
	skip "chown: file capabilities survive" "no setcap"
fi

# --- a Debian guest with systemd under -U (as machinectl start runs it) ---
if guest_tree debian "$D"; then
	out=$TEST_TMP/deb
	bg "$out" -q -M "$MD" -D "$D" --private-network --console=read-only -U -b
	if wait_for 90 grep -q MACHBOX-BOOT-OK "$out"; then
		pass "systemd boots under -U"
		state=$(in_container "$MD" timeout 90 systemctl is-system-running --wait 2>&1)
		case $state in
		running|degraded) pass "systemctl is-system-running under -U: $state" ;;
		*) fail "systemctl is-system-running under -U" "$state" ;;
		esac
		testing "no failed unit under -U" "in_container $MD systemctl --failed --no-legend --plain" ""
		P=$(container_pid "$MD")
		testing "systemd runs as an unprivileged host uid" "[ \$(host_uid $P) -ge 524288 ] && echo nonroot" "nonroot"
		testing "systemd's uid_map is its range" "in_container $MD cat /proc/1/uid_map | awk '{print \$2}'" "$(base_of "$P")"
		in_container "$MD" systemctl poweroff
		wait_exit "$BG" 60
		testing "systemctl poweroff under -U: exit 0" "echo $RC" "0"
	else
		fail "systemd boots under -U" "$(tail -30 "$out")"
	fi
	check_clean "$MD" "$D" "nothing left after the systemd guest"
else
	skip "systemd guest under -U" "debian fixture not built (test/fixtures/build.sh debian)"
fi
