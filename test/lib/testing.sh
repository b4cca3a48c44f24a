# Shell test harness, sourced by test/cli/*.sh and test/root/*.sh.
#
#   testing NAME COMMAND EXPECTED     run COMMAND with eval; its stdout must
#                                     equal EXPECTED (append `; echo $?` to
#                                     check the exit code too)
#   testing_grep NAME COMMAND REGEX   stdout+stderr must match REGEX (grep -E)
#   optional CFG_X                    skip what follows unless CFG_X is 1;
#                                     `optional` alone lifts it
#   need_root                         skip the rest of the file unless root
#   skip NAME REASON                  count a skip
#   pass NAME / fail NAME [DETAIL]    count a result of a hand-written check
#
# Results go to $TEST_RESULTS one word a line (pass/fail/skip), read by
# test/run.sh.  VERBOSE=1 shows passing tests too.

: "${TEST_RESULTS:=/dev/null}"
: "${MACHBOX:?MACHBOX must name the binary under test}"
: "${CONFIG_H:?CONFIG_H must name generated/config.h}"
TEST_FILE=${TEST_FILE:-$0}
_skip_reason=

_record() {
	echo "$1" >> "$TEST_RESULTS"
}

pass() {
	_record pass
	[ -n "${VERBOSE:-}" ] && echo "PASS: $1"
	return 0
}

fail() {
	_record fail
	echo "FAIL: ${TEST_FILE##*/}: $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/    /'
	return 0
}

skip() {
	_record skip
	[ -n "${VERBOSE:-}" ] && echo "SKIP: $1 ($2)"
	return 0
}

cfg() {
	# cfg CFG_X: 0 or 1 from the generated header
	awk -v s="$1" '$1 == "#define" && $2 == s { print $3 }' "$CONFIG_H"
}

optional() {
	_skip_reason=
	[ $# -eq 0 ] && return 0
	[ "$(cfg "$1")" = 1 ] || _skip_reason="$1 is off"
}

need_root() {
	[ "$(id -u)" = 0 ] || _skip_reason="needs root"
}

testing() {
	local name=$1 cmd=$2 want=$3 got
	if [ -n "$_skip_reason" ]; then skip "$name" "$_skip_reason"; return 0; fi
	got=$(eval "$cmd" 2>"$TEST_TMP/stderr")
	if [ "$got" = "$want" ]; then
		pass "$name"
	else
		fail "$name" "$(printf 'command: %s\nwant: %s\ngot:  %s\nstderr: %s' "$cmd" "$want" "$got" "$(head -c 400 "$TEST_TMP/stderr")")"
	fi
}

testing_grep() {
	local name=$1 cmd=$2 re=$3 got
	if [ -n "$_skip_reason" ]; then skip "$name" "$_skip_reason"; return 0; fi
	got=$(eval "$cmd" 2>&1)
	if printf '%s\n' "$got" | grep -Eq -- "$re"; then
		pass "$name"
	else
		fail "$name" "$(printf 'command: %s\nwant match: %s\ngot: %s' "$cmd" "$re" "$(printf '%s' "$got" | head -c 600)")"
	fi
}

# skipping() is true when the current block is skipped (for hand-written
# checks): `skipping && skip NAME "$(skip_reason)" || { ...; }`
skipping() { [ -n "$_skip_reason" ]; }
skip_reason() { printf '%s' "$_skip_reason"; }

# wait_for TIMEOUT_S COMMAND...: poll COMMAND every 50 ms until it succeeds
wait_for() {
	local deadline=$(( $(date +%s%N) / 1000000 + $1 * 1000 ))
	shift
	while ! "$@" 2>/dev/null; do
		[ $(( $(date +%s%N) / 1000000 )) -ge $deadline ] && return 1
		sleep 0.05
	done
	return 0
}

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mbtest.XXXXXX")
_testing_cleanup() {
	# a test file's own cleanup runs first (define test_cleanup)
	if type test_cleanup >/dev/null 2>&1; then test_cleanup; fi
	rm -rf "$TEST_TMP"
}
trap _testing_cleanup EXIT
trap 'exit 130' INT TERM
