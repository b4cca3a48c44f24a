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
