#!/bin/sh
# The README's first command: set up a fresh Debian 12 machine and run the
# main job.  Today that is: build machbox, make a busybox guest from
# Debian's busybox-static package, boot it with nspawn in a private network
# namespace, and power it off again.
set -eu
cd "$(dirname "$0")/.."
sh test/deps.sh
[ -f .config ] || make -s defconfig >/dev/null
make -s -j"$(nproc)" all helpers
./build/machbox --list
[ "$(id -u)" = 0 ] || { echo "main-job: booting a container needs root" >&2; exit 1; }
fix=$(test/fixtures/build.sh busybox)
root=$(mktemp -d /var/tmp/machbox-demo.XXXXXX)
out=$root.console
trap 'kill -9 $pid 2>/dev/null; rm -rf "$root" "$out"' EXIT INT TERM
cp -a "$fix/." "$root/"
echo "main-job: booting $root (busybox init) with a private network" >&2
./build/machbox nspawn -D "$root" -M demo --private-network --console=read-only -b \
	>"$out" 2>&1 </dev/null &
pid=$!
i=0
until grep -q MACHBOX-BOOT-OK "$out"; do
	i=$((i + 1))
	[ $i -lt 200 ] || { cat "$out"; echo "main-job: no boot marker" >&2; exit 1; }
	sleep 0.1
done
kill -TERM $pid
wait $pid
rc=$?
cat "$out"
echo "main-job: the guest booted and powered off (exit $rc)"
exit $rc
