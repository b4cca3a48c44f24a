#!/bin/sh
# The README's first command: set up a fresh Debian 12 machine and run the
# main job: build machbox, make a Debian 12 guest with systemd from Debian's
# packages (debootstrap, cached), boot it with a veth, see systemd-networkd
# in the guest take a lease from our DHCP server, and power it off.  All of
# it inside a network namespace of its own: the machine's real network is
# never touched.
set -eu
cd "$(dirname "$0")/.."
sh test/deps.sh
[ -f .config ] || make -s defconfig >/dev/null
make -s -j"$(nproc)" all helpers
./build/machbox --list
[ "$(id -u)" = 0 ] || { echo "main-job: booting a container needs root" >&2; exit 1; }
fix=$(test/fixtures/build.sh debian)
if [ "${MAIN_JOB_IN_NETNS:-}" != 1 ]; then
	MAIN_JOB_IN_NETNS=1 exec unshare --net -- sh "$0" "$@"
fi
ip link set lo up
root=$(mktemp -d /var/tmp/machbox-main.XXXXXX)
out=$root.console
pid=""
trap 'if [ -n "$pid" ]; then kill -9 $pid 2>/dev/null; fi; rm -rf "$root" "$out"' EXIT INT TERM
cp -a "$fix/." "$root/"
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf /lib/systemd/system/systemd-networkd.service "$root/etc/systemd/system/multi-user.target.wants/"
echo "main-job: booting Debian 12 with systemd in $root, on a veth" >&2
./build/machbox nspawn -D "$root" -M debian -n --console=read-only -b >"$out" 2>&1 </dev/null &
pid=$!
i=0
until grep -q MACHBOX-BOOT-OK "$out"; do
	i=$((i + 1))
	[ $i -lt 600 ] || { cat "$out"; echo "main-job: no boot marker" >&2; exit 1; }
	sleep 0.1
done
init=$(for f in $(find /sys/fs/cgroup/unified/machbox/debian /sys/fs/cgroup/machbox/debian -name cgroup.procs 2>/dev/null); do
	for p in $(cat "$f"); do
		[ "$(awk '/^NSpid:/ {print $NF}' /proc/$p/status)" = 1 ] && echo "$p"
	done
done | head -n 1)
state=$(nsenter -t "$init" -a timeout 60 systemctl is-system-running --wait || true)
echo "main-job: systemctl is-system-running: $state"
i=0
until nsenter -t "$init" -a ip -4 -o addr show host0 | grep -q inet; do
	i=$((i + 1))
	[ $i -lt 300 ] || { echo "main-job: no lease" >&2; exit 1; }
	sleep 0.1
done
echo "main-job: host side:  $(ip -4 -o addr show dev ve-debian | awk '{print $2, $4}')"
echo "main-job: guest side: $(nsenter -t "$init" -a ip -4 -o addr show host0 | awk '{print $2, $4}')"
nsenter -t "$init" -a busybox ping -c 1 -W 2 "$(ip -4 -o addr show dev ve-debian | awk '{print $4}' | cut -d/ -f1)" | head -2
kill -TERM $pid
wait $pid
rc=$?
pid=""
tail -n 5 "$out"
echo "main-job: the guest booted, took a lease and powered off (exit $rc)"
exit $rc
