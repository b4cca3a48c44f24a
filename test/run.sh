#!/bin/bash
# Runs the test tiers and prints one closing line: "N passed, N failed".
#   test/run.sh [unit] [cli] [root] [device]      (default: all four)
# Tier 1: build/host/test_* (TAP, host gcc, ASan+UBSan)
# Tier 2: test/cli/*.sh against the static binary, as an unprivileged user
# Tier 3: test/root/*.sh, real containers; skipped unless root
# Device: test/device/, machbox on a simulated busybox-init device (qemu)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
export MACHBOX=${MACHBOX:-$top/$BUILD/machbox}
export CONFIG_H=${CONFIG_H:-$top/include/generated/config.h}
export PAYLOAD=${PAYLOAD:-$top/$BUILD/test/payload}
export TOP=$top
# MACHBOX_RUNNER: an emulator for a cross-built binary (qemu-aarch64-static).
# $MACHBOX becomes a script running the binary through it; unpriv.sh copies
# the binary itself, $MACHBOX_BIN, and puts the emulator in front of it.
if [ -n "${MACHBOX_RUNNER:-}" ]; then
	export MACHBOX_BIN=$MACHBOX
	runner_dir=$(mktemp -d)
	printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$MACHBOX_RUNNER" "$MACHBOX_BIN" > "$runner_dir/machbox"
	chmod 755 "$runner_dir" "$runner_dir/machbox"
	export MACHBOX=$runner_dir/machbox
fi
tiers=${*:-unit cli root device}

results=$(mktemp)
trap 'rm -f "$results"; rm -rf "${runner_dir:-}"' EXIT
export TEST_RESULTS=$results

run_unit() {
	local t out rc
	for t in "$BUILD"/host/test_*; do
		[ -x "$t" ] || continue
		out=$("$t" 2>&1); rc=$?
		if [ $rc -eq 77 ]; then echo skip >> "$results"; continue; fi
		printf '%s\n' "$out" | awk '/^ok /{print "pass"} /^not ok /{print "fail"}' >> "$results"
		if [ $rc -ne 0 ]; then
			echo "FAIL: ${t##*/} (exit $rc)"
			printf '%s\n' "$out" | grep -E '^(not ok|#)|ERROR|runtime error' | head -40 | sed 's/^/    /'
			# a crash before any "not ok" still counts as a failure
			printf '%s\n' "$out" | grep -q '^not ok' || echo fail >> "$results"
		fi
	done
}

# run_shell_tier DIR [WRAPPER...]
run_shell_tier() {
	local dir=$1 f
	shift
	for f in "$dir"/*.sh; do
		[ -f "$f" ] || continue
		[ -n "${VERBOSE:-}" ] && echo "== $f"
		TEST_FILE=$f "$@" bash "$f" || { echo "FAIL: $f exited $?"; echo fail >> "$results"; }
	done
}

# Root tests never see the machine's real network: each file runs in a
# network namespace of its own (tests that build networks make more inside).
root_wrapper() {
	if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
		echo unshare --net --
	fi
}

# The simulated device (test/device/): a qemu VM driven over its serial
# console; its PASS/FAIL lines count like the others.
run_device() {
	local out rc
	if [ "$(id -u)" != 0 ] || [ ! -x "$BUILD/device/alloc" ]; then
		echo skip >> "$results"
		return
	fi
	out=$(BUILD=$BUILD sh test/device/run.sh 2>&1); rc=$?
	printf '%s\n' "$out" | awk '/^PASS:/{print "pass"} /^FAIL:/{print "fail"} /^SKIP:/{print "skip"}' >> "$results"
	if [ $rc -ne 0 ]; then
		printf '%s\n' "$out" | grep -A12 '^FAIL' | head -60
		printf '%s\n' "$out" | grep -q '^FAIL' || { echo "FAIL: device test exited $rc"; printf '%s\n' "$out" | tail -20; echo fail >> "$results"; }
	fi
}

for tier in $tiers; do
	case $tier in
	unit) run_unit ;;
	cli) run_shell_tier test/cli ;;
	root) run_shell_tier test/root $(root_wrapper) ;;
	device) run_device ;;
	*) echo "unknown tier '$tier'" >&2; exit 2 ;;
	esac
done

p=$(grep -c '^pass$' "$results"); f=$(grep -c '^fail$' "$results"); s=$(grep -c '^skip$' "$results")
echo "$p passed, $f failed, $s skipped"
[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
