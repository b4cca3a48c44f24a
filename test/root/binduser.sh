# Tier 3: BindUser= / --bind-user=: a host user, its uid and its home in
# the guest.  The host's user database is $MACHBOX_ROOT/etc/passwd and
# group, so the test's user never touches the real ones.
. "$TOP/test/lib/testing.sh"
. "$TOP/test/lib/container.sh"
optional CFG_PRIVATE_USERS
need_root
if skipping; then skip "BindUser tests" "$(skip_reason)"; exit 0; fi
R=$TEST_TMP/bb
if ! guest_tree busybox "$R"; then
	skip "BindUser tests" "busybox fixture not built (test/fixtures/build.sh busybox)"
	exit 0
fi
export MACHBOX_ROOT=$TEST_TMP/root
M=bu-bb MD=bu-deb
D=/var/tmp/bu-debian.$$
HOMEDIR=$TEST_TMP/home/bu-user
HUID=4242
test_cleanup() { container_cleanup; rm -rf "$D"; }
mkdir -p "$MACHBOX_ROOT/etc" "$HOMEDIR"
chown $HUID:$HUID "$HOMEDIR"
cat > "$MACHBOX_ROOT/etc/passwd" <<EOF
root:x:0:0:root:/root:/bin/sh
bu-user:x:$HUID:$HUID:Bound User:$HOMEDIR:/bin/sh
bu-shared:x:4343:100:Shared Group:$HOMEDIR:/bin/sh
root2:x:0:0:another root:/root:/bin/sh
EOF
cat > "$MACHBOX_ROOT/etc/group" <<EOF
root:x:0:
users:x:100:
bu-user:x:$HUID:
EOF
cp "$R/etc/passwd" "$TEST_TMP/passwd.before"

ns() { "$MACHBOX" nspawn -q -M "$M" -D "$R" --console=pipe "$@"; }

testing "id in the guest is the generated uid" "ns -U --bind-user=bu-user /bin/sh -c 'id bu-user'" \
	"uid=60514(bu-user) gid=60514(bu-user) groups=60514(bu-user)"
testing "the guest uid is the host uid on the host" "ns -U --bind-user=bu-user /bin/cat /proc/self/uid_map | awk '\$1 == 60514 {print \$2, \$3}'" "$HUID 1"
testing "the rest of the range stays mapped" "ns -U --bind-user=bu-user /bin/cat /proc/self/uid_map | awk '{n += \$3} END {print n}'" "65536"
testing "the home is at /run/host/home/NAME" "ns -U --bind-user=bu-user /bin/sh -c 'grep ^bu-user: /etc/passwd | cut -d: -f6'" "/run/host/home/bu-user"
testing "the user writes its home" "ns -U --bind-user=bu-user -u bu-user /usr/bin/payload write /run/host/home/bu-user/from-guest hi; cat $HOMEDIR/from-guest" "hi"
testing "as its host uid on disk" "stat -c %u:%g $HOMEDIR/from-guest" "$HUID:$HUID"
testing "the user record for nss-systemd" "ns -U --bind-user=bu-user /bin/cat /run/host/userdb/60514.user" \
	'{"userName":"bu-user","uid":60514,"gid":60514,"homeDirectory":"/run/host/home/bu-user","shell":"/bin/sh","service":"io.systemd.NSpawn"}'
testing "and its group" "ns -U --bind-user=bu-user /usr/bin/payload readlink /run/host/userdb/60514.group" "bu-user.group"
testing "the image's /etc/passwd is unchanged on disk" "cmp $TEST_TMP/passwd.before $R/etc/passwd && echo same" "same"
testing "BindUser= in a trusted settings file" \
	"mkdir -p $MACHBOX_ROOT/etc/systemd/nspawn && printf '[Files]\nBindUser=bu-user\n' > $MACHBOX_ROOT/etc/systemd/nspawn/$M.nspawn && ns -U /bin/sh -c 'id -u bu-user'" "60514"
rm -f "$MACHBOX_ROOT/etc/systemd/nspawn/$M.nspawn"
printf '[Files]\nBindUser=bu-user\n' > "$R.nspawn"
testing "an untrusted file cannot bind users" "ns -U --settings=yes /bin/sh -c 'id -u bu-user' 2>/dev/null; echo \$?" "1"
rm -f "$R.nspawn"

# --- errors: one line, exit 1, nothing left changed ---
err() { ns "$@" true 2>&1; echo "rc=$?"; }
echo "bu-user:x:1234:1234::/:/bin/sh" >> "$R/etc/passwd"
testing "a name collision is an error" "err -U --bind-user=bu-user" "nspawn: BindUser=bu-user: the name exists in the container
rc=1"
cp "$TEST_TMP/passwd.before" "$R/etc/passwd"
testing "no such host user" "err -U --bind-user=nosuch" "nspawn: BindUser=nosuch: no such user on the host
rc=1"
testing "root is refused" "err -U --bind-user=root2" "nspawn: BindUser=root2: root and nobody cannot be bound
rc=1"
testing "a user without a private group" "err -U --bind-user=bu-shared" "nspawn: BindUser=bu-shared: no private group of its name on the host
rc=1"
testing "it needs a user namespace" "err --bind-user=bu-user" "nspawn: --bind-user= needs a user namespace (--private-users=)
rc=1"
testing "a bad name is a usage error" "ns --bind-user='a:b' true 2>/dev/null; echo \$?" "2"

# --- a Debian guest (glibc, no nss-systemd in the fixture) ---
if guest_tree debian "$D"; then
	cp "$D/etc/passwd" "$TEST_TMP/deb.passwd"
	out=$TEST_TMP/deb
	bg "$out" -q -M "$MD" -D "$D" --private-network --console=read-only -U --bind-user=bu-user -b
	if wait_for 90 grep -q MACHBOX-BOOT-OK "$out"; then
		pass "systemd boots with a bound user"
		testing "id in the Debian guest" "in_container $MD id bu-user" "uid=60514(bu-user) gid=60514(bu-user) groups=60514(bu-user)"
		testing "getent sees the home" "in_container $MD getent passwd bu-user | cut -d: -f6" "/run/host/home/bu-user"
		testing "the user writes its home from Debian" "in_container $MD setpriv --reuid=60514 --regid=60514 --clear-groups touch /run/host/home/bu-user/from-debian && stat -c %u $HOMEDIR/from-debian" "$HUID"
		state=$(in_container "$MD" timeout 90 systemctl is-system-running --wait 2>&1)
		case $state in
		running|degraded) pass "systemd runs with a bound user: $state" ;;
		*) fail "systemd runs with a bound user" "$state" ;;
		esac
		in_container "$MD" systemctl poweroff
		wait_exit "$BG" 60
		testing "poweroff with a bound user: exit 0" "echo $RC" "0"
	else
		fail "systemd boots with a bound user" "$(tail -30 "$out")"
	fi
	testing "Debian's /etc/passwd is unchanged on disk" "cmp $TEST_TMP/deb.passwd $D/etc/passwd && echo same" "same"
	check_clean "$MD" "$D" "nothing left after the Debian guest"
else
	skip "BindUser on Debian" "debian fixture not built (test/fixtures/build.sh debian)"
fi
