# Helpers of the root tier: guest trees copied from the cached fixtures,
# containers in the background, and the checks that nothing was left.
# Source after testing.sh.

# cgroup2 mount of this host (pure v2 or the hybrid "unified" one)
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	CG2=/sys/fs/cgroup
else
	CG2=/sys/fs/cgroup/unified
fi
BG_PIDS=""

# fixture NAME: the cached tree, or empty (tests skip) when not built
fixture() {
	"$TOP/test/fixtures/build.sh" -n "$1" 2>/dev/null
}

# guest_tree FIXTURE DEST: a private copy with the payload helper in it
guest_tree() {
	local src
	src=$(fixture "$1") || return 1
	[ -n "$src" ] || return 1
	cp -a "$src" "$2" || return 1
	install -m 0755 "$PAYLOAD" "$2/usr/bin/payload"
}

# bg OUTFILE ARGS...: nspawn in the background, its pid in $BG
bg() {
	local out=$1
	shift
	"$MACHBOX" nspawn "$@" >"$out" 2>&1 </dev/null &
	BG=$!
	BG_PIDS="$BG_PIDS $BG"
}

# the pid (host view) of a machine's init: the process of its cgroup tree
# that is PID 1 in its own namespace (systemd moves itself to init.scope)
container_pid() {
	local f p
	for f in $(find "$CG2/machbox/$1" -name cgroup.procs 2>/dev/null); do
		for p in $(cat "$f"); do
			if [ "$(awk '/^NSpid:/ {print $NF}' "/proc/$p/status" 2>/dev/null)" = 1 ]; then
				echo "$p"
				return 0
			fi
		done
	done
	return 1
}

# in_container NAME CMD...: runs CMD in all the namespaces of the machine
in_container() {
	local pid
	pid=$(container_pid "$1") || return 1
	shift
	nsenter -t "$pid" -a -- "$@"
}

# wait_exit PID TIMEOUT_S: waits for a background nspawn; its status in $RC
wait_exit() {
	local pid=$1 t=$2
	if ! wait_for "$t" sh -c "! kill -0 $pid"; then
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		RC=timeout
		return 1
	fi
	wait "$pid"
	RC=$?
	return 0
}

# leftovers NAME ROOTDIR: prints what a machine left behind, nothing if clean
leftovers() {
	[ -d "$CG2/machbox/$1" ] && echo "cgroup $CG2/machbox/$1"
	grep -F " $2" /proc/self/mountinfo | sed 's/^/mount /'
	pgrep -f "machbox nspawn.*$2" | sed 's/^/process /'
	return 0
}

# check_clean NAME ROOTDIR TESTNAME: a test that nothing was left
check_clean() {
	local left
	if ! wait_for 5 sh -c "[ ! -d '$CG2/machbox/$1' ]"; then :; fi
	left=$(leftovers "$1" "$2")
	if [ -z "$left" ]; then pass "$3"; else fail "$3" "$left"; fi
}

container_cleanup() {
	local p
	for p in $BG_PIDS; do
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}
