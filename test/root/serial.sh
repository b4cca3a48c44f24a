# Tier 3: machinectl on a serial console (an 80x24 vt100, or a line with no
# window size at all): no colour, no cursor movement but the download bar on
# a real terminal, plain progress lines elsewhere, the escape key from
# machbox.conf and from --escape= for console and login, and sessions on a
# terminal that reports a 0x0 window.  Also: the shipped machbox.conf is read
# by nspawn without a warning.
. "$TOP/test/lib/testing.sh"
. "$TOP/test/lib/container.sh"
optional CFG_MACHINECTL
need_root
if skipping; then skip "serial console tests" "$(skip_reason)"; exit 0; fi
R=$TEST_TMP/bb
if ! guest_tree busybox "$R"; then
	skip "serial console tests" "busybox fixture not built (test/fixtures/build.sh busybox)"
	exit 0
fi
export MACHBOX_ROOT=$TEST_TMP/root
CONF=$MACHBOX_ROOT/etc/machbox/machbox.conf
mkdir -p "$MACHBOX_ROOT/etc/machbox" "$MACHBOX_ROOT/var/log/machbox"
M=ser-bb
LOG=$MACHBOX_ROOT/var/log/machbox/$M.log
PTY="/usr/bin/python3 $TOP/test/lib/ptyrun.py"
MC="timeout 30 $MACHBOX machinectl"
SERVER=
test_cleanup() {
	container_cleanup
	[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
}
# bytes of ESC in a file, and the lines holding them
escapes() { tr -cd '\033' < "$1" | wc -c; }

# --- the shipped machbox.conf, read by a real nspawn run ---
cp "$TOP/config/machbox.conf" "$CONF"
testing "config/machbox.conf: nspawn reads it without a word" \
	"$MACHBOX nspawn -q -D $R -M ser-conf --console=pipe /usr/bin/payload echo ok 2>&1" "ok"
printf '[Console]\nEscapeKye=^B\n' >> "$CONF"
testing_grep "a misspelt key in it is named" \
	"$MACHBOX nspawn -q -D $R -M ser-conf --console=pipe /usr/bin/payload echo ok" \
	"machbox.conf:[0-9]+: unknown key 'EscapeKye=' in section \\[Console\\]"
cp "$TOP/config/machbox.conf" "$CONF"
sed -i 's/^EscapeKey=.*/EscapeKey=^B/' "$CONF"

# --- a booted machine, its console kept by the monitor ---
bg "$TEST_TMP/out" -q -M $M -D "$R" -b --console=passive --log-file="$LOG"
if ! wait_for 20 grep -q MACHBOX-BOOT-OK "$LOG"; then
	fail "the busybox machine boots" "$(cat "$TEST_TMP/out" "$LOG")"
	exit 0
fi

# console: EscapeKey= of machbox.conf, --escape= over it
testing_grep "console: EscapeKey=^B from machbox.conf names it and detaches" \
	"$PTY --timeout 10 --expect 'three times' --send '\\x02\\x02\\x02' -- sh -c '$MACHBOX machinectl console $M; echo rc=\$?' | tr '\\r\\n' '  '" \
	"Press \\^B three times.*Detached from $M.* rc=0"
testing_grep "console: ^] is just a key then" \
	"$PTY --timeout 3 --expect 'three times' --send '\\x1d\\x1d\\x1d' -- $MACHBOX machinectl console $M" "ptyrun: timeout"
testing_grep "console: --escape=^A wins over machbox.conf" \
	"$PTY --timeout 10 --expect 'three times' --send '\\x01\\x01\\x01' -- $MACHBOX machinectl --escape=^A console $M" \
	"Press \\^A three times.*|Detached"
testing_grep "console: a plain character is named as itself" \
	"$PTY --timeout 10 --expect 'three times' --send '~~~' -- $MACHBOX machinectl --escape='~' console $M | tr '\\r\\n' '  '" \
	"Press ~ three times.*Detached"

# login: the same key, the same override
testing_grep "login: EscapeKey=^B from machbox.conf" \
	"$PTY --timeout 20 --expect 'login:' --send '\\x02\\x02\\x02' -- sh -c '$MACHBOX machinectl login $M; echo rc=\$?' | tr '\\r\\n' '  '" \
	"Press \\^B three times.*$M login: .*rc=0"
testing_grep "login: --escape=^A wins over it" \
	"$PTY --timeout 20 --expect 'login:' --send '\\x01\\x01\\x01' -- sh -c '$MACHBOX machinectl --escape=^A login $M; echo rc=\$?' | tr '\\r\\n' '  '" \
	"Press \\^A three times.*rc=0"

# a terminal that reports a 0x0 window (a serial line): sessions work; the
# console keeps the size it has, a new session gets 80x24
testing_grep "console on a 0x0 terminal" \
	"$PTY --timeout 10 --cols 0 --rows 0 --expect 'three times' --send '\\x02\\x02\\x02' -- sh -c '$MACHBOX machinectl console $M; echo rc=\$?' | tr '\\r\\n' '  '" \
	"Detached from $M.* rc=0"
testing_grep "login on a 0x0 terminal" \
	"$PTY --timeout 20 --cols 0 --rows 0 --expect 'login:' --send '\\x02\\x02\\x02' -- sh -c '$MACHBOX machinectl login $M; echo rc=\$?' | tr '\\r\\n' '  '" \
	"$M login: .*rc=0"
testing_grep "shell on a 0x0 terminal: the guest gets 80x24" \
	"$PTY --timeout 20 --cols 0 --rows 0 --expect '# ' --send 'stty size; echo SIZE-DONE\\r' --expect SIZE-DONE --send 'exit 5\\r' -- sh -c '$MACHBOX machinectl -q shell $M; echo rc=\$?' | tr '\\r\\n' '  '" \
	" 24 80 +SIZE-DONE.*rc=5"
testing_grep "login without a terminal: the prompt, and the end with the input" \
	"$MC -q login $M </dev/null 2>&1; echo rc=\$?" "$M login: .*rc=1$"
testing "the machine runs on" "kill -0 $BG && echo running" "running"

# no colour and no cursor movement in what machinectl prints on a vt100
$PTY --timeout 20 -- env TERM=vt100 sh -c "$MACHBOX machinectl list; $MACHBOX machinectl status $M; \
	$MACHBOX machinectl show $M; $MACHBOX machinectl list-images --all; $MACHBOX machinectl --help" > "$TEST_TMP/vt100" 2>&1
testing "list, status, show, list-images, --help: no escape sequence on a vt100" "escapes $TEST_TMP/vt100" "0"
testing "and it did print" "grep -c '$M' $TEST_TMP/vt100 | awk '{print (\$1 >= 2)}'" "1"
testing "no line wider than 80 columns" "tr -d '\\r' < $TEST_TMP/vt100 | awk 'length(\$0) > 80' | head -3" ""
kill -TERM "$BG"
wait_exit "$BG" 10
check_clean $M "$R" "nothing left by the machine"

# --- download progress ---
optional CFG_PULL
if skipping || ! command -v python3 >/dev/null; then
	skip "pull progress" "$(skip_reason)"
	exit 0
fi
ip link set lo up 2>/dev/null
unset http_proxy https_proxy HTTPS_PROXY no_proxy NO_PROXY
W=$TEST_TMP/www
mkdir -p "$W"
# 520 KiB served 4 KiB every 50 ms ("slow"): over 6 s, past the 5 s
# between two plain progress lines
head -c 532480 /dev/urandom > "$W/disk.raw"
python3 "$TOP/test/lib/pullserver.py" --dir "$W" --ports "$TEST_TMP/ports" --http http 2>"$TEST_TMP/server.log" &
SERVER=$!
if ! wait_for 10 test -s "$TEST_TMP/ports"; then
	fail "the test server starts" "$(cat "$TEST_TMP/server.log")"
	exit 0
fi
URL=http://127.0.0.1:$(awk '$1 == "http" { print $2 }' "$TEST_TMP/ports")/slow/disk.raw

$MC --verify=no pull-raw "$URL" p-file 2>"$TEST_TMP/p-file" >/dev/null
testing "not a terminal: progress as plain lines" "grep -c '^Downloaded .* of .*(.*%)\$' $TEST_TMP/p-file | awk '{print (\$1 >= 1)}'" "1"
testing "not a terminal: no carriage return, no escape" "tr -cd '\\r\\033' < $TEST_TMP/p-file | wc -c" "0"
$PTY --timeout 30 -- env TERM=dumb $MACHBOX machinectl --verify=no pull-raw "$URL" p-dumb > "$TEST_TMP/p-dumb" 2>&1
testing "TERM=dumb: plain lines" "grep -c 'Downloaded .* of' $TEST_TMP/p-dumb | awk '{print (\$1 >= 1)}'" "1"
testing "TERM=dumb: no escape sequence" "escapes $TEST_TMP/p-dumb" "0"
$PTY --timeout 30 -- env TERM=vt100 $MACHBOX machinectl --verify=no pull-raw "$URL" p-vt > "$TEST_TMP/p-vt" 2>&1
testing "vt100: a progress bar redrawn in place" "grep -c \$'\\r\\\\[[#-]*\\\\] *[0-9]*%' $TEST_TMP/p-vt | awk '{print (\$1 >= 1)}'" "1"
testing "vt100: erase-to-end-of-line is the only sequence" "grep -o \$'\\033[^K]*K\\\\?' $TEST_TMP/p-vt | sort -u" $'\033[K'
testing "vt100: the bar fits 80 columns" "tr '\\r' '\\n' < $TEST_TMP/p-vt | sed \$'s/\\033\\\\[K//g' | awk 'length(\$0) > 79' | head -2" ""
testing "the three images arrived" "ls $MACHBOX_ROOT/var/lib/machines | tr '\\n' ' '" "p-dumb.raw p-file.raw p-vt.raw "
