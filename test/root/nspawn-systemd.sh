# Tier 3: a Debian 12 guest with systemd as PID 1 (debootstrap fixture).
. "$TOP/test/lib/testing.sh"
. "$TOP/test/lib/container.sh"
optional CFG_NSPAWN
need_root
if skipping; then skip "systemd guest" "$(skip_reason)"; exit 0; fi
R=/var/tmp/mbtest-debian.$$
test_cleanup() { container_cleanup; rm -rf "$R"; }
if ! guest_tree debian "$R"; then
	skip "systemd guest" "debian fixture not built (test/fixtures/build.sh debian)"
	exit 0
fi
M=mbtest-deb
out=$TEST_TMP/console

boot() {
	: > "$out"
	bg "$out" -q -M "$M" -D "$R" --private-network --console=read-only -b
	wait_for 90 grep -q MACHBOX-BOOT-OK "$out"
}

markers() { grep -c MACHBOX-BOOT-OK "$out"; }

if boot; then pass "systemd boots to its marker"; else fail "systemd boots to its marker" "$(tail -30 "$out")"; fi
state=$(in_container "$M" timeout 90 systemctl is-system-running --wait 2>&1)
case $state in
running|degraded) pass "systemctl is-system-running: $state" ;;
*) fail "systemctl is-system-running" "$state" ;;
esac
testing "no failed unit" "in_container $M systemctl --failed --no-legend --plain" ""
testing "the guest sees itself in a container" "in_container $M systemd-detect-virt --container" "container-other"
testing "the guest's machine-id is ours" "in_container $M cat /etc/machine-id | cut -c1-32 | grep -c '^[0-9a-f]\{32\}$'" "1"
testing "the guest's cgroup root is its own" "in_container $M grep '^0::' /proc/1/cgroup" "0::/init.scope"

in_container "$M" systemctl reboot
if wait_for 90 sh -c "[ \$(grep -c MACHBOX-BOOT-OK $out) -ge 2 ]"; then pass "systemctl reboot restarts the container"; else fail "systemctl reboot restarts the container" "$(tail -20 "$out")"; fi
in_container "$M" timeout 90 systemctl is-system-running --wait >/dev/null 2>&1
in_container "$M" systemctl poweroff
wait_exit "$BG" 60
testing "systemctl poweroff: exit 0" "echo $RC" "0"
check_clean "$M" "$R" "nothing left after a systemd poweroff"

if boot; then
	in_container "$M" timeout 90 systemctl is-system-running --wait >/dev/null 2>&1
	kill -TERM "$BG"
	wait_exit "$BG" 60
	testing "SIGTERM to nspawn powers systemd off: exit 0" "echo $RC" "0"
	testing "the guest went down through its shutdown" "grep -c MACHBOX-SHUTDOWN $out" "1"
else
	fail "second boot" "$(tail -20 "$out")"
fi
check_clean "$M" "$R" "nothing left after SIGTERM"

# --- on a veth: systemd-networkd and dhclient take leases from our server ---
if [ "$(cfg CFG_DHCP_SERVER)" = 1 ] && [ "$(readlink /proc/self/ns/net)" != "$(readlink /proc/1/ns/net)" ]; then
	ip link set lo up
	mkdir -p "$R/etc/systemd/system/multi-user.target.wants"
	ln -sf /lib/systemd/system/systemd-networkd.service "$R/etc/systemd/system/multi-user.target.wants/"
	: > "$out"
	bg "$out" -q -M "$M" -D "$R" -n --console=read-only -b
	wait_for 90 grep -q MACHBOX-BOOT-OK "$out"
	in_container "$M" timeout 90 systemctl is-system-running --wait >/dev/null 2>&1
	# networkd's 80-container-host0.network asks for DHCP on host0
	has_lease() { in_container "$M" ip -4 -o addr show host0 | grep -q inet; }
	if wait_for 30 has_lease; then
		pass "systemd-networkd in the guest got a lease"
	else
		fail "systemd-networkd in the guest got a lease" "$(in_container "$M" networkctl status host0 2>&1 | head -20)"
	fi
	hostnet=$(ip -4 -o addr show dev ve-$M | awk '{print $4}')
	guestaddr=$(in_container "$M" ip -4 -o addr show host0 | awk '{print $4}')
	testing "the lease is in the host side's subnet" "python3 -c 'import ipaddress,sys; print(ipaddress.ip_interface(sys.argv[1]).network == ipaddress.ip_interface(sys.argv[2]).network)' $hostnet $guestaddr" "True"
	testing "the guest reaches the host side" "in_container $M busybox ping -c1 -W2 ${hostnet%/*} >/dev/null 2>&1 && echo ok" "ok"
	in_container "$M" systemctl stop systemd-networkd.service systemd-networkd.socket >/dev/null 2>&1
	in_container "$M" ip addr flush dev host0
	testing "dhclient in the guest gets a lease too" "in_container $M timeout 30 dhclient -1 -4 host0 >/dev/null 2>&1; in_container $M ip -4 -o addr show host0 | grep -c inet" "1"
	in_container "$M" dhclient -r host0 >/dev/null 2>&1
	kill -TERM "$BG"
	wait_exit "$BG" 60
	testing "a networked systemd guest powers off: exit 0" "echo $RC" "0"
	rm -f "$R/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
	check_clean "$M" "$R" "nothing left after the networked systemd guest"
else
	skip "systemd guest on a veth" "no DHCP server built, or not in a private network namespace"
fi
