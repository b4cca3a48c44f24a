#!/bin/bash
# test/bench.sh: start-up time and memory of `machbox nspawn`, next to the
# plain unshare(1) lower bound and to systemd-nspawn, crun and bwrap, on the
# busybox guest of test/fixtures. `make bench` runs it after `all helpers`.
#
#   BENCH_RUNS=N   timed runs per command (default 30; the boot runs 10)
#   BENCH_PULL_RUNS=N  runs of pull-tar, its pipeline and import-tar (default 5)
#   BENCH_ONLY=pull    only the pull and import measurements
#   BUILD=DIR      where machbox was built (default build)
#
# Results go to $BUILD/bench/results.txt and stdout. The targets (ratios,
# resident memory) are reported PASS/MISS; the exit status is 1 only when
# machbox itself or the unshare baseline could not run. A comparison tool
# that cannot run on this host is recorded with its reason instead.
#
# Needs root. The measurements run in a network namespace of their own
# (the script re-executes itself under `unshare --net --mount`), so no
# container ever sees the host's network, and a mount we make (crun's
# cgroup view) never reaches the host; only apt-get (installing missing
# tools) and the fixture build run before that: they need Debian's archive.
set -u
export LC_ALL=C	# EPOCHREALTIME's decimal point is the locale's

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
MACHBOX=$BUILD/machbox
PAYLOAD=$BUILD/test/payload
N=${BENCH_RUNS:-30}
BOOT_N=10
BOOT_TIMEOUT_S=20
RSS_TARGET_KIB=512
RESULTS=$BUILD/bench/results.txt
# Unique per run: machine names, crun ids and cgroup names all carry it.
TAG=mbbench$$

log() { echo "bench: $*" >&2; }
die() { log "$*"; exit 1; }

# --- setup, on the host network --------------------------------------------

# need_tool CMD PACKAGE: installs PACKAGE when CMD is missing. No
# recommends: systemd-container's (libnss-mymachines) would edit the host's
# nsswitch.conf. Returns 1 when the tool is still missing.
updated=0
need_tool() {
	command -v "$1" >/dev/null && return 0
	log "$1 missing, installing $2"
	if [ $updated = 0 ]; then
		apt-get -q update >&2 || return 1
		updated=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get -q -y install --no-install-recommends "$2" >&2
	command -v "$1" >/dev/null
}

setup() {
	[ "$(id -u)" = 0 ] || die "needs root (containers)"
	if [ ! -x "$MACHBOX" ] || [ ! -x "$PAYLOAD" ]; then
		die "build first: make all helpers"
	fi
	command -v unshare >/dev/null || die "needs unshare (util-linux)"
	# the lower bound needs unshare --root (util-linux 2.36 and later)
	unshare --help | grep -q -- '--root=' || die "this unshare has no --root"
	need_tool systemd-nspawn systemd-container || log "no systemd-nspawn"
	need_tool crun crun || log "no crun"
	need_tool bwrap bubblewrap || log "no bwrap"
	BENCH_FIXTURE=$(test/fixtures/build.sh busybox) || die "no busybox fixture"
	[ -d "$BENCH_FIXTURE" ] || die "fixture build printed '$BENCH_FIXTURE'"
	export BENCH_FIXTURE
	pull_tarball
}

# The pull benchmark's ~40 MB rootfs: the Debian fixture as an xz -9
# tarball, cached beside the fixtures (keyed by the fixture's directory).
pull_tarball() {
	local deb cache=${MACHBOX_FIXTURE_CACHE:-/var/cache/machbox-test}
	PULL_TARBALL=
	deb=$(test/fixtures/build.sh debian 2>/dev/null) || { log "no debian fixture: no pull benchmark"; return 0; }
	PULL_TARBALL=$cache/bench-$(basename "$deb").tar.xz
	if [ ! -s "$PULL_TARBALL" ]; then
		log "making $PULL_TARBALL (xz -9, once)"
		tar -C "$deb" --numeric-owner -cf - . | xz -9 -T2 > "$PULL_TARBALL.tmp" &&
			mv "$PULL_TARBALL.tmp" "$PULL_TARBALL" || { rm -f "$PULL_TARBALL.tmp"; PULL_TARBALL=; }
	fi
	export PULL_TARBALL
}

if [ -z "${BENCH_IN_NETNS:-}" ]; then
	setup
	BENCH_IN_NETNS=1 exec unshare --net --mount --propagation private -- "$0" "$@"
fi

# --- from here on: in network and mount namespaces of our own --------------

TMP=$(mktemp -d /var/tmp/machbox-bench.XXXXXX) || die "mktemp failed"
# the cgroup2 tree: pure v2, or the "unified" one of a hybrid host
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	CG2=/sys/fs/cgroup
else
	CG2=/sys/fs/cgroup/unified
fi
BOOT_PID=
WHY=
CG2_HIDDEN=0
SD_LEFTOVERS=()
CRUN_STATE=$TMP/crun-state

# Everything we made: the boot container we started (by its PID; its
# janitor then removes its cgroup), crun's containers (in a state dir of
# our own), cgroups named after TAG (crun's), what systemd-nspawn left
# (SD_LEFTOVERS: on the host's disk, not in our mount namespace), the temp dir.
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	local id d
	[ "$CG2_HIDDEN" = 1 ] && umount "$CG2"
	if [ -n "$BOOT_PID" ]; then
		kill -9 "$BOOT_PID" 2>/dev/null
		wait "$BOOT_PID" 2>/dev/null
	fi
	if [ -n "${PULL_SRV:-}" ]; then
		kill "$PULL_SRV" 2>/dev/null
		wait "$PULL_SRV" 2>/dev/null
	fi
	if [ -n "${MD_PID:-}" ]; then
		kill -TERM "$MD_PID" 2>/dev/null
		wait "$MD_PID" 2>/dev/null
	fi
	if command -v crun >/dev/null && [ -d "$CRUN_STATE" ]; then
		for id in $(crun --root="$CRUN_STATE" list -q 2>/dev/null); do
			crun --root="$CRUN_STATE" delete -f "$id" >/dev/null 2>&1
		done
	fi
	# deepest first; rmdir only removes empty cgroups, never a busy one
	find /sys/fs/cgroup -depth -type d -name "*$TAG*" 2>/dev/null |
		while read -r d; do rmdir "$d" 2>/dev/null; done
	for d in "${SD_LEFTOVERS[@]}"; do
		rmdir "$d" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# guest NAME: a private copy of the busybox fixture with the payload
# helper, in G=$TMP/NAME (the directory's name is the machine name). One
# per tool, so what one leaves in its tree cannot slow another down.
guest() {
	G=$TMP/$1
	if ! { mkdir "$G" && cp -a "$BENCH_FIXTURE/." "$G/" &&
		install -m 0755 "$PAYLOAD" "$G/usr/bin/payload"; }; then
		die "cannot copy the guest to $G"
	fi
}

# A sleep without a fork: read(1) with a timeout on a FIFO nobody writes.
mkfifo "$TMP/nap" || die "cannot make the nap FIFO"
exec {NAP_FD}<>"$TMP/nap"
nap() { read -r -t "$1" -u "$NAP_FD"; }

# --- results -----------------------------------------------------------------

mkdir -p "$(dirname "$RESULTS")"
: > "$RESULTS"
report() { printf '%s\n' "$*" | tee -a "$RESULTS"; }

declare -A MEDIAN	# key -> median in ms, for the ratios
CORE_FAILED=0

# stats FILE: "MEDIAN P90" in ms of the microsecond samples in FILE
# (p90 by nearest rank)
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) exit 1
		med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		r = int(NR * 9 / 10); if (r * 10 < NR * 9) r++
		printf "%.1f %.1f\n", med / 1000, v[r] / 1000 }'
}

# result KEY LABEL FILE: one line with the median and p90 of FILE
result() {
	local s
	s=$(stats "$3") || return 1
	MEDIAN[$1]=${s% *}
	report "$(printf '%-58s median %7s ms   p90 %7s ms   (n=%d)' "$2" "${s% *}" "${s#* }" \
		"$(wc -l < "$3")")"
}

# note TEXT: how the line above was measured, indented under it
note() { report "    ^ $*"; }

# unavailable LABEL WHY: a measurement that could not be made, and why
unavailable() {
	report "$(printf '%-58s NOT RUN: %s' "$1" "$2")"
}

# first_lines FILE: a failure's output, on one line for the results
first_lines() { head -n 3 "$1" | tr '\n' ' ' | cut -c1-200; }

# --- start-up timing -------------------------------------------------------

# bench KEY LABEL CMD...: one untimed warm-up run (page cache, dentries),
# then N timed runs of CMD. Every run must exit 0. The clock is bash's own
# EPOCHREALTIME: `date +%s%N` would add a fork and exec (about a
# millisecond) to every sample. RUN is the run number, for CMDs that
# need a fresh name each time.
RUN=0
bench() {
	local key=$1 label=$2 t0 t1 rc
	local samples=$TMP/$key.us out=$TMP/$key.out
	shift 2
	: > "$samples"
	for ((RUN = 0; RUN <= N; RUN++)); do
		t0=${EPOCHREALTIME/./}
		"$@" >"$out" 2>&1 </dev/null
		rc=$?
		t1=${EPOCHREALTIME/./}
		if [ $rc != 0 ]; then
			unavailable "$label" "exit $rc on run $RUN: $(first_lines "$out")"
			return 1
		fi
		[ $RUN = 0 ] || echo $((t1 - t0)) >> "$samples"
	done
	result "$key" "$label" "$samples"
}

bench_machbox() {
	guest "$TAG"
	bench machbox "machbox nspawn /bin/true" \
		"$MACHBOX" nspawn -q --console=pipe -D "$G" /bin/true || CORE_FAILED=1
	bench machbox_net "machbox nspawn --private-network /bin/true" \
		"$MACHBOX" nspawn -q --console=pipe --private-network -D "$G" /bin/true || CORE_FAILED=1
}

# The network part of a start: a veth with its address and DHCP socket
# (NAT off in a machbox.conf of our own), then with the nft table too.
bench_network() {
	local mroot=$TMP/netroot
	guest net
	mkdir -p "$mroot/etc/machbox"
	printf '[Network]\nMasquerade=no\n' > "$mroot/etc/machbox/machbox.conf"
	# a name per run: the previous run's veth goes with its namespace in
	# the kernel's own time, and the same name would wait for that
	veth_run() { MACHBOX_ROOT=$mroot "$MACHBOX" nspawn -q --console=pipe -n -M "bv$RUN-$TAG" -D "$G" /bin/true; }
	nat_run() { "$MACHBOX" nspawn -q --console=pipe -n -M "bn$RUN-$TAG" -D "$G" /bin/true; }
	bench machbox_veth "machbox nspawn -n /bin/true (veth + DHCP, no NAT)" veth_run
	note "a new machine name each run; the same name back to back waits ~40 ms for the old veth"
	bench machbox_veth_nat "machbox nspawn -n /bin/true (veth + DHCP + nft)" nat_run
	note "nft is a separate program: its exec and ruleset commit are most of the difference"
}

# udhcpc and dhclient against the built-in server, from the live unit test
bench_lease() {
	local t=${BUILD:-build}/host/test_dhcp_live line
	if [ ! -x "$t" ]; then
		unavailable "DHCP lease (udhcpc)" "$t not built (make unit)"
		return
	fi
	"$t" > "$TMP/lease.out" 2>&1
	line=$(grep '^# udhcpc: first DISCOVER' "$TMP/lease.out")
	MEDIAN[lease]=$(echo "$line" | awk '{ for (i = 1; i < NF; i++) if ($i == "in") { print $(i + 1); exit } }')
	report "$(printf '%-58s %8s ms   (one run)' "udhcpc: first DISCOVER to ACK" "${MEDIAN[lease]:-?}")"
	report "    ^ ${line#\# }"
	line=$(grep '^# dhclient: first DISCOVER' "$TMP/lease.out")
	[ -n "$line" ] && report "    ^ ${line#\# }"
}

# The lower bound: the same namespaces and a fresh /proc, nothing else.
# --mount-proc works with --root (util-linux mounts proc after the chroot).
bench_unshare() {
	guest unshare
	if bench unshare "unshare --root --mount-proc /bin/true" \
		unshare --fork --pid --mount --uts --ipc --net --root="$G" --mount-proc /bin/true; then
		note "unshare --fork --pid --mount --uts --ipc --net --root=ROOT --mount-proc (proc lands in ROOT)"
	else
		CORE_FAILED=1
	fi
}

# systemd-nspawn's leftovers on the host, kept for cleanup: it makes
# "payload" and "supervisor" cgroups below its own (with --keep-unit) and
# /run/systemd/nspawn; we remove the ones that did not exist before, and
# only when empty.
note_sd_leftovers() {
	local own d
	own=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
	for d in "$CG2$own"/payload "$CG2$own"/supervisor; do
		[ -e "$d" ] || SD_LEFTOVERS+=("$d")
	done
	own=$(awk -F: '$2 == "name=systemd" { print $3 }' /proc/self/cgroup)
	if [ -n "$own" ]; then
		for d in "/sys/fs/cgroup/systemd$own"/payload "/sys/fs/cgroup/systemd$own"/supervisor; do
			[ -e "$d" ] || SD_LEFTOVERS+=("$d")
		done
	fi
	if [ ! -e /run/systemd/nspawn ]; then
		SD_LEFTOVERS+=(/run/systemd/nspawn/locks /run/systemd/nspawn/propagate /run/systemd/nspawn)
	fi
}

# systemd-nspawn as asked first; without systemd as PID 1 that fails (it
# asks systemd over D-Bus for a scope unit), so then --keep-unit, which
# runs it in our own cgroup and needs no bus.
bench_systemd_nspawn() {
	local opts=(-q --register=no --console=pipe) label=systemd-nspawn out=$TMP/sd-probe.out why=
	if ! command -v systemd-nspawn >/dev/null; then
		unavailable "systemd-nspawn /bin/true" "systemd-container is not installed"
		return
	fi
	guest "$TAG-sd"
	note_sd_leftovers
	if ! systemd-nspawn "${opts[@]}" -D "$G" /bin/true >"$out" 2>&1 </dev/null; then
		unavailable "systemd-nspawn --register=no /bin/true" "$(first_lines "$out")"
		opts+=(--keep-unit)
		label="systemd-nspawn --keep-unit"
		why="--keep-unit: no scope unit asked of systemd (PID 1 here: $(cat /proc/1/comm))"
	fi
	bench sdnspawn "$label /bin/true" \
		systemd-nspawn "${opts[@]}" -D "$G" /bin/true || return
	[ -z "$why" ] || note "$why"
	bench sdnspawn_net "$label --private-network /bin/true" \
		systemd-nspawn "${opts[@]}" --private-network -D "$G" /bin/true
}

# crun_bundle DIR ROOT: `crun spec` edited to run /bin/true in ROOT,
# writable, no terminal; its namespaces and mounts stay crun's defaults
crun_bundle() {
	(cd "$1" && crun spec) || return 1
	python3 - "$1/config.json" "$2" <<-'EOF'
	import json, sys
	path, root = sys.argv[1], sys.argv[2]
	with open(path) as f:
	    spec = json.load(f)
	spec["root"] = {"path": root, "readonly": False}
	spec["process"]["args"] = ["/bin/true"]
	spec["process"]["terminal"] = False
	with open(path, "w") as f:
	    json.dump(spec, f, indent=1)
	EOF
}

# crun_run BUNDLE [OPTION...]: a new container id per run (`crun run`
# deletes the container it ran)
# shellcheck disable=SC2317 # called by bench
crun_run() {
	local b=$1
	shift
	crun --root="$CRUN_STATE" "$@" run --bundle "$b" "$TAG-$RUN"
}

# hide_unified: crun refuses a hybrid host whose cgroup2 tree has
# controllers (here hugetlb), even with --cgroup-manager=disabled, and on a
# pure cgroup2 view it needs CAP_SYS_RESOURCE (RLIMIT_MEMLOCK for its
# device eBPF) that this host may not give. With the v2 tree covered by an
# empty tmpfs it sees a cgroup v1 host and uses the v1 controllers, as it
# would on such a machine (it also writes its "unified" leaf into that
# tmpfs, which is thrown away). Our mount namespace is private (see top).
hide_unified() {
	[ "$CG2" = /sys/fs/cgroup/unified ] || return 1
	mount -t tmpfs mbbench-hide "$CG2" || return 1
	CG2_HIDDEN=1
}

show_unified() {
	[ "$CG2_HIDDEN" = 1 ] || return 0
	umount "$CG2" && CG2_HIDDEN=0
}

bench_crun() {
	local b=$TMP/crun-bundle ns view=""
	if ! command -v crun >/dev/null; then
		unavailable "crun run /bin/true" "crun is not installed"
		return
	fi
	guest crun-root
	mkdir -p "$b" "$CRUN_STATE"
	if ! crun_bundle "$b" "$G" >"$TMP/crun-spec.out" 2>&1; then
		unavailable "crun run /bin/true" "crun spec failed: $(first_lines "$TMP/crun-spec.out")"
		return
	fi
	ns=$(python3 -c 'import json, sys
print(",".join(n["type"] for n in json.load(open(sys.argv[1]))["linux"]["namespaces"]))' "$b/config.json")
	RUN=probe
	if ! crun_run "$b" >"$TMP/crun-probe.out" 2>&1 </dev/null; then
		unavailable "crun run /bin/true (this host's cgroups)" "$(first_lines "$TMP/crun-probe.out")"
		grep -q "hybrid mode" "$TMP/crun-probe.out" && hide_unified &&
			view=" (v1 cgroups)"
	fi
	bench crun "crun run /bin/true$view" crun_run "$b" &&
		note "crun spec's namespaces: $ns${view:+; the cgroup2 tree hidden by a tmpfs, see hide_unified}"
	# the same without any cgroup work: crun's floor, kinder to crun
	bench crun_nocg "crun --cgroup-manager=disabled run /bin/true" \
		crun_run "$b" --cgroup-manager=disabled
	show_unified
}

bench_bwrap() {
	if ! command -v bwrap >/dev/null; then
		unavailable "bwrap /bin/true" "bubblewrap is not installed"
		return
	fi
	guest bwrap-root
	bench bwrap "bwrap --unshare-all /bin/true" \
		bwrap --bind "$G" / --proc /proc --dev /dev --unshare-all /bin/true &&
		note "--unshare-all: user (try), ipc, pid, net (its own netns), uts, cgroup (try)"
}

# --- boot to the marker, power off, monitor memory --------------------------

# kib PID FIELD: FIELD (VmRSS, VmHWM) of PID's status in KiB
kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null; }

# janitor_of PID: the monitor's machbox child that is not the container's
# init (the init is PID 1 of a new PID namespace: NSpid has two pids)
janitor_of() {
	local c
	for c in $(pgrep -P "$1"); do
		[ "$(readlink "/proc/$c/exe")" = "$(readlink -f "$MACHBOX")" ] || continue
		awk '$1 == "NSpid:" && NF > 2 { n = 1 } END { exit !n }' "/proc/$c/status" && continue
		echo "$c"
		return 0
	done
	return 1
}

# boot_once GUEST: one boot; appends boot and poweroff times (us) and the
# memory of monitor and janitor (KiB) to files in $TMP. Runs in this shell,
# not a $(...) one, so the EXIT trap knows BOOT_PID. On failure: WHY.
boot_once() {
	local out=$TMP/boot.out t0 t1 t2 t3 rc j deadline
	t0=${EPOCHREALTIME/./}
	deadline=$((t0 + BOOT_TIMEOUT_S * 1000000))
	"$MACHBOX" nspawn -q --console=read-only -D "$1" -b >"$out" 2>&1 </dev/null &
	BOOT_PID=$!
	until grep -qs MACHBOX-BOOT-OK "$out"; do
		if ! kill -0 "$BOOT_PID" 2>/dev/null; then
			WHY="exited before the marker: $(first_lines "$out")"
			return 1
		fi
		if [ "${EPOCHREALTIME/./}" -ge $deadline ]; then
			WHY="no marker in ${BOOT_TIMEOUT_S}s"
			return 1
		fi
		nap 0.005
	done
	t1=${EPOCHREALTIME/./}
	echo "$(kib "$BOOT_PID" VmRSS) $(kib "$BOOT_PID" VmHWM)" >> "$TMP/mon.kib"
	if j=$(janitor_of "$BOOT_PID"); then
		echo "$(kib "$j" VmRSS) $(kib "$j" VmHWM)" >> "$TMP/jan.kib"
	fi
	t2=${EPOCHREALTIME/./}
	kill -TERM "$BOOT_PID"
	wait "$BOOT_PID"
	rc=$?
	t3=${EPOCHREALTIME/./}
	BOOT_PID=
	if [ $rc != 0 ]; then
		WHY="poweroff exit $rc: $(first_lines "$out")"
		return 1
	fi
	echo $((t1 - t0)) >> "$TMP/boot.us"
	echo $((t3 - t2)) >> "$TMP/poweroff.us"
}

# median_col FILE COL: the median of column COL of FILE
median_col() {
	awk -v c="$2" '{ print $c }' "$1" | sort -n | awk '{ v[NR] = $1 } END {
		if (NR) print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

bench_boot() {
	local i m_rss m_hwm j_rss j_hwm
	guest "$TAG-boot"
	: > "$TMP/boot.us"; : > "$TMP/poweroff.us"; : > "$TMP/mon.kib"; : > "$TMP/jan.kib"
	for ((i = 1; i <= BOOT_N; i++)); do
		if ! boot_once "$G"; then
			unavailable "machbox boot to MACHBOX-BOOT-OK" "run $i: $WHY"
			CORE_FAILED=1
			return
		fi
	done
	result boot "machbox boot to MACHBOX-BOOT-OK" "$TMP/boot.us"
	result poweroff "machbox poweroff (SIGTERM to exit)" "$TMP/poweroff.us"
	note "busybox init sleeps 1 s after kill(-1, SIGTERM) and 1 s before reboot(2): 2000 ms are the guest's"
	m_rss=$(median_col "$TMP/mon.kib" 1); m_hwm=$(median_col "$TMP/mon.kib" 2)
	report "$(printf '%-58s VmRSS %5s KiB   VmHWM %5s KiB   (median of %d)' \
		"monitor, idle booted guest" "$m_rss" "$m_hwm" "$(wc -l < "$TMP/mon.kib")")"
	if [ -s "$TMP/jan.kib" ]; then
		j_rss=$(median_col "$TMP/jan.kib" 1); j_hwm=$(median_col "$TMP/jan.kib" 2)
		report "$(printf '%-58s VmRSS %5s KiB   VmHWM %5s KiB   (median of %d)' \
			"janitor, idle booted guest" "$j_rss" "$j_hwm" "$(wc -l < "$TMP/jan.kib")")"
	else
		j_rss=0
		unavailable "janitor, idle booted guest" "no machbox child besides the init found"
	fi
	MEDIAN[rss]=$m_rss
	MEDIAN[rss_all]=$((m_rss + j_rss))
}

# --- pull ----------------------------------------------------------------------

# run_measured OUT CMD...: wall ms and the peak RSS (KiB) of the biggest
# process of CMD's tree, from the kernel's accounting of reaped children
run_measured() {
	local out=$1
	shift
	/usr/bin/python3 - "$@" > "$out" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("%.1f %d %d" % ((time.monotonic() - t) * 1000, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc))
PY
}

# pull_summary FILE: "MEDIAN MIN MAX PEAK_RSS BAD" of run_measured lines
# (ms, ms, ms, KiB, how many runs did not exit 0)
pull_summary() {
	sort -n "$1" | awk '{ v[NR] = $1; if ($2 > rss) rss = $2; if ($3 != 0) bad++ } END {
		if (NR == 0) exit 1
		med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.0f %.0f %.0f %d %d\n", med, v[1], v[NR], rss, bad }'
}

# pull_line LABEL FILE KEY: the median, range and peak RSS of FILE's runs
pull_line() {
	local med lo hi rss bad
	read -r med lo hi rss bad < <(pull_summary "$2") || return
	report "$(printf '%-58s median %6s ms  (%s-%s, n=%d)  peak RSS %6s KiB%s' "$1" "$med" "$lo" "$hi" \
		"$(wc -l < "$2")" "$rss" "$([ "$bad" = 0 ] || echo "  $bad FAILED")")"
	[ "$bad" = 0 ] || return
	MEDIAN[$3]=$med
	MEDIAN[$3_rss]=$rss
}

# pull_runs URL: BENCH_PULL_RUNS pairs of pull-tar and the pipeline, each
# into a fresh directory.  The order alternates, and every tree is kept
# until all runs are done: ext4 scans past recently deleted inodes when it
# makes new ones (recently_deleted() was a third of a create on this
# host), so a tree removed just before a run would slow that run down.
pull_runs() {
	local url=$1 i n=${BENCH_PULL_RUNS:-5}
	local pull=(env MACHBOX_ROOT=X "$MACHBOX" machinectl pull-tar -q --verify=no "$url" bench)
	: > "$TMP/pull.ms"; : > "$TMP/pipe.ms"
	for ((i = 0; i < n; i++)); do
		mkdir -p "$TMP/pull$i" "$TMP/pipe$i"
		pull[1]=MACHBOX_ROOT=$TMP/pull$i
		if ((i % 2)); then
			run_measured "$TMP/m" sh -c "wget -qO- '$url' | xz -dc | tar -x -C '$TMP/pipe$i'"
			cat "$TMP/m" >> "$TMP/pipe.ms"
		fi
		run_measured "$TMP/m" "${pull[@]}"
		cat "$TMP/m" >> "$TMP/pull.ms"
		if ! ((i % 2)); then
			run_measured "$TMP/m" sh -c "wget -qO- '$url' | xz -dc | tar -x -C '$TMP/pipe$i'"
			cat "$TMP/m" >> "$TMP/pipe.ms"
		fi
	done
}

# import_runs TAR: the write side alone, an uncompressed tarball from a
# file: import-tar against GNU tar -x (root: owners and modes kept)
import_runs() {
	local i n=${BENCH_PULL_RUNS:-5}
	: > "$TMP/import.ms"; : > "$TMP/tar.ms"
	for ((i = 0; i < n; i++)); do
		mkdir -p "$TMP/import$i" "$TMP/tar$i"
		run_measured "$TMP/m" env MACHBOX_ROOT="$TMP/import$i" "$MACHBOX" machinectl import-tar "$1" bench
		cat "$TMP/m" >> "$TMP/import.ms"
		run_measured "$TMP/m" tar --numeric-owner -xf "$1" -C "$TMP/tar$i"
		cat "$TMP/m" >> "$TMP/tar.ms"
	done
}

PULL_SRV=""
bench_pull() {
	local port=18080 url i
	if [ -z "${PULL_TARBALL:-}" ]; then
		unavailable "pull-tar" "no rootfs tarball (debian fixture)"
		return
	fi
	ip link set lo up
	(cd "$(dirname "$PULL_TARBALL")" && exec /usr/bin/python3 -m http.server -b 127.0.0.1 $port) >/dev/null 2>&1 &
	PULL_SRV=$!
	url=http://127.0.0.1:$port/$(basename "$PULL_TARBALL")
	until /usr/bin/python3 -c "import urllib.request as u; u.urlopen('$url', timeout=1).close()" 2>/dev/null; do nap 0.05; done
	pull_runs "$url"
	pull_line "pull-tar --verify=no of $(du -m "$PULL_TARBALL" | cut -f1) MB .tar.xz (xz -9)" "$TMP/pull.ms" pull
	pull_line "wget | xz -dc | tar -x, the same file" "$TMP/pipe.ms" pipe
	note "loopback HTTP (python3 http.server); alternating order; peak RSS is the largest single process"
	kill "$PULL_SRV" 2>/dev/null
	wait "$PULL_SRV" 2>/dev/null
	PULL_SRV=""
	if xz -dc "$PULL_TARBALL" > "$TMP/rootfs.tar"; then
		import_runs "$TMP/rootfs.tar"
		pull_line "import-tar of the same, uncompressed ($(du -m "$TMP/rootfs.tar" | cut -f1) MB)" "$TMP/import.ms" import
		pull_line "tar -x of the uncompressed tarball" "$TMP/tar.ms" tar
		note "the write side alone (information)"
	fi
	for ((i = 0; i < ${BENCH_PULL_RUNS:-5}; i++)); do
		rm -rf "$TMP/pull$i" "$TMP/pipe$i" "$TMP/import$i" "$TMP/tar$i"
	done
	rm -f "$TMP/rootfs.tar"
}

# --- machined -------------------------------------------------------------------

MD_PID=""
# machined with 0 and with MD_MACHINES busybox machines (veth + DHCP + NAT
# each, as machinectl start makes them): its RSS, the time from `machinectl
# start` to the guest's marker, and `machinectl list`.
bench_machined() {
	local root=$TMP/mdroot n=${MD_MACHINES:-20} i t0 t1 samples=$TMP/list.us log
	mkdir -p "$root/var/lib/machines" "$root/var/log/machbox"
	for ((i = 0; i < n; i++)); do
		cp -a "$BENCH_FIXTURE" "$root/var/lib/machines/bm$i-$TAG" || { unavailable "machined" "cannot copy guests"; return; }
	done
	MACHBOX_ROOT=$root "$MACHBOX" machined -f >"$TMP/machined.log" 2>&1 &
	MD_PID=$!
	until [ -S "$root/run/machbox/control" ]; do
		kill -0 "$MD_PID" 2>/dev/null || { unavailable "machined" "$(first_lines "$TMP/machined.log")"; MD_PID=""; return; }
		nap 0.01
	done
	MEDIAN[md_rss0]=$(kib "$MD_PID" VmRSS)
	report "$(printf '%-58s %8s KiB' "machined VmRSS, no machine" "${MEDIAN[md_rss0]}")"
	log=$root/var/log/machbox/bm0-$TAG.log
	t0=${EPOCHREALTIME/./}
	MACHBOX_ROOT=$root "$MACHBOX" machinectl start "bm0-$TAG" >/dev/null 2>&1
	until grep -qs MACHBOX-BOOT-OK "$log"; do
		[ $(( ${EPOCHREALTIME/./} - t0 )) -lt $((BOOT_TIMEOUT_S * 1000000)) ] || break
		nap 0.005
	done
	t1=${EPOCHREALTIME/./}
	report "$(printf '%-58s %8.1f ms   (one run)' "machinectl start to the busybox marker" "$(awk -v d=$((t1 - t0)) 'BEGIN { print d / 1000 }')")"
	for ((i = 1; i < n; i++)); do
		MACHBOX_ROOT=$root "$MACHBOX" machinectl start "bm$i-$TAG" >/dev/null 2>&1
	done
	MEDIAN[md_rss]=$(kib "$MD_PID" VmRSS)
	report "$(printf '%-58s %8s KiB   (%d machines listed)' "machined VmRSS with $n machines" "${MEDIAN[md_rss]}" \
		"$(MACHBOX_ROOT=$root "$MACHBOX" machinectl list --no-legend 2>/dev/null | wc -l)")"
	: > "$samples"
	for ((i = 0; i < N; i++)); do
		t0=${EPOCHREALTIME/./}
		MACHBOX_ROOT=$root "$MACHBOX" machinectl list >/dev/null 2>&1
		t1=${EPOCHREALTIME/./}
		echo $((t1 - t0)) >> "$samples"
	done
	result md_list "machinectl list with $n machines" "$samples"
	kill -TERM "$MD_PID"
	wait "$MD_PID" 2>/dev/null
	MD_PID=""
}

# --- targets -------------------------------------------------------------------

# target LABEL VALUE OP LIMIT: "PASS"/"MISS" line; OP is <= or >=
target() {
	local verdict
	verdict=$(awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN {
		ok = op == "<=" ? v <= l : v >= l; print ok ? "PASS" : "MISS" }')
	report "$(printf '%-58s %8s   target %s %s   %s' "$1" "$2" "$3" "$4" "$verdict")"
}

# ratio A B: MEDIAN[A] / MEDIAN[B] with two decimals, empty when one is missing
ratio() {
	[ -n "${MEDIAN[$1]:-}" ] && [ -n "${MEDIAN[$2]:-}" ] || return 1
	awk -v a="${MEDIAN[$1]}" -v b="${MEDIAN[$2]}" 'BEGIN { printf "%.2f\n", a / b }'
}

# target_ratio LABEL A B OP LIMIT
target_ratio() {
	local r
	if r=$(ratio "$2" "$3"); then
		target "$1" "$r" "$4" "$5"
	else
		unavailable "$1" "a median is missing"
	fi
}

pull_targets() {
	target_ratio "pipeline / pull-tar (wall time)" pipe pull ">=" 1
	[ -n "${MEDIAN[pull_rss]:-}" ] && target "pull-tar peak RSS (KiB)" "${MEDIAN[pull_rss]}" "<=" 81920
	[ -n "${MEDIAN[import]:-}" ] && report "$(printf '%-58s %8s   (information)' \
		"tar -x / import-tar (wall time)" "$(ratio tar import)")"
}

targets() {
	report ""
	report "targets (medians):"
	if [ "${BENCH_ONLY:-}" = pull ]; then
		pull_targets
		return
	fi
	target_ratio "machbox / unshare" machbox unshare "<=" 1.5
	target_ratio "machbox --private-network / unshare" machbox_net unshare "<=" 1.5
	if [ -n "${MEDIAN[machbox_veth]:-}" ] && [ -n "${MEDIAN[machbox_net]:-}" ]; then
		target "veth setup cost (ms, -n minus --private-network)" \
			"$(awk -v a="${MEDIAN[machbox_veth]}" -v b="${MEDIAN[machbox_net]}" 'BEGIN { printf "%.1f", a - b }')" "<=" 10
	fi
	[ -n "${MEDIAN[lease]:-}" ] && target "udhcpc lease after first DISCOVER (ms)" "${MEDIAN[lease]}" "<=" 50
	pull_targets
	[ -n "${MEDIAN[md_rss]:-}" ] && target "machined VmRSS with ${MD_MACHINES:-20} machines (KiB)" "${MEDIAN[md_rss]}" "<=" 1024
	[ -n "${MEDIAN[md_list]:-}" ] && target "machinectl list with ${MD_MACHINES:-20} machines (ms)" "${MEDIAN[md_list]}" "<=" 10
	target_ratio "crun / machbox" crun machbox ">=" 2
	target_ratio "crun / machbox --private-network" crun machbox_net ">=" 2
	target_ratio "crun without cgroups / machbox" crun_nocg machbox ">=" 2
	if [ -n "${MEDIAN[rss]:-}" ]; then
		target "monitor VmRSS (KiB)" "${MEDIAN[rss]}" "<=" "$RSS_TARGET_KIB"
		report "$(printf '%-58s %8s   (information)' "monitor + janitor VmRSS (KiB)" "${MEDIAN[rss_all]}")"
	else
		unavailable "monitor VmRSS (KiB)" "no boot measurement"
	fi
}

header() {
	report "machbox bench $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	report "kernel:  $(uname -r)"
	report "machbox: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src include 2>/dev/null || echo ' (src modified)'), binary $(stat -c '%s bytes, built %y' "$MACHBOX" | cut -d. -f1)"
	report "cpu:     $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) x $(nproc)"
	report "runs:    N=$N per command after 1 warm-up; boot N=$BOOT_N; wall time, median and p90"
	report "guest:   busybox fixture $(basename "$BENCH_FIXTURE"), all runs in a private network namespace"
	report ""
}

header
if [ "${BENCH_ONLY:-}" != pull ]; then
	bench_machbox
	bench_network
	bench_lease
	bench_unshare
	bench_systemd_nspawn
	bench_crun
	bench_bwrap
	bench_boot
	bench_machined
fi
bench_pull
targets
log "results in $RESULTS"
exit $CORE_FAILED
