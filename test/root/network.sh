# Tier 3: container links (veth over netlink, the pool, the built-in DHCP
# server, NAT and port forwards).  run.sh gives this file a network
# namespace of its own: that is the "host"; the "uplink" is a second
# namespace on documentation addresses (203.0.113.0/24).
. "$TOP/test/lib/testing.sh"
. "$TOP/test/lib/container.sh"
optional CFG_NETWORK
need_root
if skipping; then skip "network tests" "$(skip_reason)"; exit 0; fi
R=$TEST_TMP/bb
if ! guest_tree busybox "$R"; then
	skip "network tests" "busybox fixture not built (test/fixtures/build.sh busybox)"
	exit 0
fi
# refuse to run anywhere but in a namespace of our own: the real network
# must never see a DHCP server or NAT rules
if [ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net)" ]; then
	skip "network tests" "not in a private network namespace"
	exit 0
fi
ip link set lo up
UP_PID=""
test_cleanup() {
	container_cleanup
	[ -n "$UP_PID" ] && kill -9 "$UP_PID" 2>/dev/null && wait "$UP_PID" 2>/dev/null
	ip link del up0 2>/dev/null
	ip link del ve-foreign 2>/dev/null
	return 0
}

# the uplink: a namespace held by a sleeping process, joined by a veth
unshare --net sleep 600 &
UP_PID=$!
wait_for 5 test -e /proc/$UP_PID/ns/net
in_up() { nsenter -t "$UP_PID" -n -- "$@"; }
ip link add up0 type veth peer name up1
ip link set up1 netns "$UP_PID"
ip addr add 203.0.113.1/24 dev up0
ip link set up0 up
in_up ip link set lo up
in_up ip addr add 203.0.113.2/24 dev up1
in_up ip link set up1 up

M=mbtest-net
out=$TEST_TMP/console
# the guest asks for a lease, reports it, serves port 80 and connects out
cat > "$R/etc/init.d/rc.local" <<'EOS'
#!/bin/sh
udhcpc -i host0 -n -q -t 10 -T 1 >/dev/null 2>&1 && echo "LEASE $(ip -4 -o addr show host0 | awk '{print $4}')"
echo "ROUTE $(ip -4 route show default | awk '{print $3}')"
echo "DNS $(awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)"
(while true; do echo guest-says-hi | nc -l -p 80; done) >/dev/null 2>&1 &
echo "OUT $(echo x | nc -w 3 203.0.113.2 7000)"
EOS
chmod +x "$R/etc/init.d/rc.local"

# the uplink's server answers with the address it sees
in_up python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("203.0.113.2", 7000))
s.listen(8)
while True:
    c, a = s.accept()
    c.sendall((a[0] + "\n").encode())
    c.close()
' >/dev/null 2>&1 &
BG_PIDS="$BG_PIDS $!"
uplink_listens() { in_up ss -ltn | grep -q '203.0.113.2:7000'; }
wait_for 10 uplink_listens

: > "$out"
bg "$out" -q -M "$M" -D "$R" -n -p 8081:80 --console=read-only -b
if wait_for 30 grep -q MACHBOX-BOOT-OK "$out"; then pass "a guest on a veth boots"; else fail "a guest on a veth boots" "$(cat "$out")"; fi
tr -d '\r' < "$out" > "$out.txt"
out=$out.txt
ve=$(ip -o link show | awk -F': ' '$2 ~ /^ve-mbtest-net/ {print $2}' | cut -d@ -f1)
testing "the host side is ve-NAME" "echo $ve" "ve-mbtest-net"
hostaddr=$(ip -4 -o addr show dev ve-mbtest-net | awk '{print $4}')
lease=$(awk '/^LEASE/ {print $2}' "$out")
testing_grep "the host side has the first address of a /28" "echo $hostaddr" "^[0-9.]+\.(1|17|33|49|65|81|97|113|129|145|161|177|193|209|225|241)/28$"
testing_grep "udhcpc got a lease from the built-in server" "echo $lease" "^[0-9.]+/28$"
testing "the lease is in the host side's subnet" "python3 -c 'import ipaddress,sys; print(ipaddress.ip_interface(sys.argv[1]).network == ipaddress.ip_interface(sys.argv[2]).network)' $hostaddr $lease" "True"
testing "the router option is the host side" "awk '/^ROUTE/ {print \$2}' $out" "${hostaddr%/*}"
if grep -q '^nameserver [0-9]' /etc/resolv.conf && ! grep -q '^nameserver 127\.' /etc/resolv.conf; then
	testing "DNS comes from the host's resolv.conf" "awk '/^DNS/ {print \$2}' $out" "$(awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)"
fi
testing "NAT: the uplink sees the host's address" "awk '/^OUT/ {print \$2}' $out" "203.0.113.1"
[ -n "${VERBOSE:-}" ] && cat "$out"
testing "a port forward reaches the guest from the uplink" "in_up busybox nc -w 3 203.0.113.1 8081 </dev/null" "guest-says-hi"
testing_grep "our nft table exists while it runs" "nft list tables" "machbox-$M"
kill -TERM "$BG"
wait_exit "$BG" 20
testing "it powers off cleanly" "echo $RC" "0"
testing "the NAT table is gone after stop" "nft list tables | grep -c machbox-$M" "0"
# (it goes with the container's namespace, in the kernel's own time)
ve_gone() { ! ip link show ve-mbtest-net >/dev/null 2>&1; }
if wait_for 5 ve_gone; then pass "ve-NAME is gone after stop"; else fail "ve-NAME is gone after stop"; fi
check_clean "$M" "$R" "nothing else left after a networked guest"

# kill -9 of the monitor: the janitor removes the NAT table
out=$TEST_TMP/console
: > "$out"
bg "$out" -q -M "$M" -D "$R" -n --console=read-only -b
wait_for 30 grep -q MACHBOX-BOOT-OK "$out"
kill -9 "$BG"
wait "$BG" 2>/dev/null
if wait_for 10 sh -c "! nft list tables | grep -q machbox-$M"; then pass "kill -9: the NAT table goes too"; else fail "kill -9: the NAT table goes too" "$(nft list tables)"; fi
if wait_for 10 sh -c "! ip link show ve-mbtest-net >/dev/null 2>&1"; then pass "kill -9: ve-NAME goes with the namespace"; else fail "kill -9: ve-NAME goes with the namespace"; fi
check_clean "$M" "$R" "kill -9 of a networked monitor leaves nothing"
rm -f "$R/etc/init.d/rc.local"

# names: 15 bytes at most, distinct for long names sharing a prefix
A=$TEST_TMP/a; B=$TEST_TMP/b
cp -a "$R" "$A"; cp -a "$R" "$B"
bg "$TEST_TMP/a.out" -q -M averylongmachinename-one -D "$A" -n --console=pipe /usr/bin/payload sleep 30
PA=$BG
bg "$TEST_TMP/b.out" -q -M averylongmachinename-two -D "$B" -n --console=pipe /usr/bin/payload sleep 30
PB=$BG
wait_for 10 sh -c "[ \$(ip -o link show | grep -c ' ve-') -ge 2 ]"
names=$(ip -o link show | awk -F': ' '$2 ~ /^ve-/ {print $2}' | cut -d@ -f1 | sort)
testing "two long names get two interfaces" "echo \"$names\" | sort -u | wc -l" "2"
testing "each at most 15 bytes" "echo \"$names\" | awk 'length > 15' | wc -l" "0"
subnets=$(ip -4 -o addr show | awk '$2 ~ /^ve-/ {print $4}' | sort -u | wc -l)
testing "and two subnets" "echo $subnets" "2"
kill -TERM "$PA" "$PB"
wait_exit "$PA" 10; wait_exit "$PB" 10
rm -rf "$A" "$B"

# a foreign ve-* interface is never deleted
ip link add ve-foreign type veth peer name vf-peer
testing "a machine whose interface name is taken fails" "\"\$MACHBOX\" nspawn -q -M foreign -D $R -n --console=pipe /usr/bin/payload true 2>/dev/null; echo \$?" "1"
testing "and the foreign interface stays" "ip -o link show ve-foreign | wc -l" "1"
ip link del ve-foreign
check_clean foreign "$R" "nothing left after the failed start"

# --- zones: a managed bridge shared by machines, DHCP taken over ---
Z1=$TEST_TMP/z1; Z2=$TEST_TMP/z2; Z3=$TEST_TMP/z3
for z in "$Z1" "$Z2" "$Z3"; do
	cp -a "$R" "$z"
	cat > "$z/etc/init.d/rc.local" <<'EOS'
#!/bin/sh
(for i in 1 2 3 4 5 6 7 8 9 10; do udhcpc -i host0 -n -q -t 3 -T 1 >/dev/null 2>&1 && break; done
 echo "LEASE $(ip -4 -o addr show host0 | awk '{print $4}')") &
EOS
	chmod +x "$z/etc/init.d/rc.local"
done
lease_of() { tr -d '\r' < "$1" | awk '/^LEASE/ {print $2}'; }
has_lease() { [ -n "$(lease_of "$1")" ]; }
bg "$TEST_TMP/z1.out" -q -M mbz1 -D "$Z1" --network-zone=mbt --console=read-only -b
PZ1=$BG
wait_for 20 has_lease "$TEST_TMP/z1.out"
bg "$TEST_TMP/z2.out" -q -M mbz2 -D "$Z2" --network-zone=mbt --console=read-only -b
PZ2=$BG
wait_for 20 has_lease "$TEST_TMP/z2.out"
testing "the zone's bridge vz-ZONE exists" "ip -o link show vz-mbt | wc -l" "1"
testing "both ports are on it" "ip -o link show master vz-mbt | wc -l" "2"
zone_net=$(ip -4 -o addr show dev vz-mbt | awk '{print $4}')
same_net() { python3 -c 'import ipaddress,sys; print(ipaddress.ip_interface(sys.argv[1]).network == ipaddress.ip_interface(sys.argv[2]).network)' "$1" "$2"; }
testing "the first machine leased in the zone's subnet" "same_net $zone_net $(lease_of "$TEST_TMP/z1.out")" "True"
testing "the second too" "same_net $zone_net $(lease_of "$TEST_TMP/z2.out")" "True"
testing "with different addresses" "[ '$(lease_of "$TEST_TMP/z1.out")' != '$(lease_of "$TEST_TMP/z2.out")' ] && echo yes" "yes"
kill -TERM "$PZ1"
wait_exit "$PZ1" 20
testing "the bridge stays while a machine is on it" "ip -o link show vz-mbt | wc -l" "1"
bg "$TEST_TMP/z3.out" -q -M mbz3 -D "$Z3" --network-zone=mbt --console=read-only -b
PZ3=$BG
if wait_for 20 has_lease "$TEST_TMP/z3.out"; then pass "after the serving machine left, another took over DHCP"; else fail "after the serving machine left, another took over DHCP" "$(cat "$TEST_TMP/z3.out")"; fi
kill -TERM "$PZ2" "$PZ3"
wait_exit "$PZ2" 20; wait_exit "$PZ3" 20
testing "the bridge goes with the last machine" "ip -o link show vz-mbt 2>/dev/null | wc -l" "0"
testing "no zone NAT table is left" "nft list tables | grep -c machbox-mbz" "0"
rm -rf "$Z1" "$Z2" "$Z3"

# --- host interfaces moved in, and macvlans over them ---
ip link add mbif0 type veth peer name mbif1
ip link add mbpar0 type veth peer name mbpar1
ip link set mbpar0 up
testing "--network-interface= moves it in, --network-macvlan= makes mv-IF inside" \
	"\"\$MACHBOX\" nspawn -q -M mbtest-if -D $R --console=pipe --network-interface=mbif0 --network-macvlan=mbpar0 /usr/bin/payload ls /sys/class/net | tr '\n' ' '" "lo mbif0 mv-mbpar0 "
testing "the macvlan's parent stays on the host" "ip -o link show mbpar0 | wc -l" "1"
testing "a missing interface fails the start" "\"\$MACHBOX\" nspawn -q -M mbtest-if -D $R --console=pipe --network-interface=nosuch0 /usr/bin/payload true 2>/dev/null; echo \$?" "1"
ip link del mbpar0 2>/dev/null; ip link del mbif1 2>/dev/null; ip link del mbif0 2>/dev/null
check_clean mbtest-if "$R" "nothing left by the interface tests"
