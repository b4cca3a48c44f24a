# Tier 2: the documentation cannot drift from the code.  Every option of
# `--help`, of the source's option tables and of the man pages is in the
# other two; so are machinectl's commands, the .nspawn keys and the
# machbox.conf keys.  Then: the man pages render without warnings, the bash
# completion completes, the firewall snippets parse, make install installs.
. "$TOP/test/lib/testing.sh"
. "$TOP/test/lib/unpriv.sh"

D=$TEST_TMP

# --- extraction ---

# options of a --help text: the first column of lines that start (after at
# most 6 blanks) with a dash; "--name" and "-x"
help_opts() {
	awk 'match($0, /^ +-/) && RLENGTH <= 7 {
		l = $0; sub(/^ +/, "", l); sub(/  .*/, "", l)
		n = split(l, w, /[ ,]+/)
		for (i = 1; i <= n; i++)
			if (w[i] ~ /^--[a-z]/) { o = w[i]; sub(/[=[].*/, "", o); print o }
			else if (w[i] ~ /^-[A-Za-z]$/) print w[i]
	}' | sort -u
}

# options of a C file: the names in its `struct option options[]` table and
# the letters of its getopt_long() string
src_opts() {
	awk '/^static const struct option options\[\] = \{/ { t = 1; next }
	     t && /^\};/ { t = 0 }
	     t && match($0, /\{ "[a-z0-9-]+"/) { print "--" substr($0, RSTART + 3, RLENGTH - 4) }
	     match($0, /getopt_long\(argc, argv, "[^"]*"/) {
		s = substr($0, RSTART, RLENGTH); sub(/.*, "/, "", s); sub(/"$/, "", s)
		gsub(/[-+:]/, "", s)
		for (i = 1; i <= length(s); i++) print "-" substr(s, i, 1)
	     }' "$1" | sort -u
}

# the tag lines (the line after .TP) of the man page's section $2
man_tags() {
	awk -v want="$2" '/^\.SH/ { sec = $0; sub(/^\.SH +/, "", sec); gsub(/"/, "", sec); next }
	     /^\.TP/ { tp = 1; next }
	     tp { tp = 0; if (sec == want) print }' "$1"
}

# options tagged in a man page's OPTIONS section
man_opts() {
	man_tags "$1" OPTIONS | sed 's/\\-/-/g' |
		grep -oE -- '--[a-z0-9-]+|\\fB-[A-Za-z]\\f' | sed 's/^\\fB//; s/\\f$//' | sort -u
}

# the verbs of a `struct verb verbs[]` table
src_verbs() {
	awk '/^static const struct verb verbs\[\] = \{/ { t = 1; next }
	     t && /^\};/ { t = 0 }
	     t && match($0, /\{ "[a-z-]+"/) { print substr($0, RSTART + 3, RLENGTH - 4) }' "$1" | sort -u
}

# the commands listed in machinectl --help: the first word of the lines of
# its "... commands:" blocks
help_verbs() {
	awk '/[Cc]ommands:$/ { c = 1; next } /^[A-Z]/ { c = 0 } c && /^  [a-z]/ { print $1 }' | sort -u
}

man_verbs() {
	man_tags "$1" COMMANDS | sed 's/\\-/-/g' | sed -n 's/^\\fB\([a-z-]*\)\\fR.*/\1/p' | sort -u
}

# SECTION/Key of a man page's "[Section] SECTION" headings
man_keys() {
	awk '/^\.SH "\[[A-Za-z]+\] SECTION"/ { s = $0; sub(/^\.SH "\[/, "", s); sub(/\].*/, "", s); next }
	     /^\.SH/ { s = ""; next }
	     /^\.TP/ { tp = 1; next }
	     tp { tp = 0; if (s != "" && match($0, /^\\fB[A-Za-z]+=/)) print s "/" substr($0, 4, RLENGTH - 4) }' "$1" | sort -u
}

# the supported keys of settings.c's table (not those marked LATER)
src_nspawn_keys() {
	awk '/^static const struct key keys\[\] = \{/ { t = 1; next }
	     t && /^\};/ { t = 0 }
	     t && !/LATER/ && match($0, /\{ SECT_[A-Z]+, "[A-Za-z]+"/) {
		s = substr($0, RSTART + 7, RLENGTH - 7); split(s, p, /, "/); sub(/"$/, "", p[2])
		sec = substr(p[1], 1, 1) tolower(substr(p[1], 2))
		print sec "/" p[2]
	     }' "$TOP/src/nspawn/settings.c" | sort -u
}

# machbox.conf keys: conf.c's [Network] and [Console], autostart.c's [Machines]
src_conf_keys() {
	{
		grep -oE 'SECT_[A-Z]+ && !strcmp\(key, "[A-Za-z]+"\)' "$TOP/src/lib/conf.c" |
			sed -E 's/SECT_([A-Z])([A-Z]*) .*"([A-Za-z]+)".*/\1\L\2\E\/\3/'
		grep -oE 'strcmp\(key, "[A-Za-z]+"\)' "$TOP/src/machined/autostart.c" |
			sed -E 's/.*"([A-Za-z]+)".*/Machines\/\1/'
	} | sort -u
}

# SECTION/Key of the assignments in an ini file
ini_keys() {
	awk '/^\[/ { s = $0; gsub(/[][]/, "", s); next }
	     /^[A-Za-z]+=/ { k = $0; sub(/=.*/, "", k); print s "/" k }' "$1" | sort -u
}

# same LIST_A LIST_B NAME: a test that two sorted lists are equal, naming
# what only one of them has
same() {
	local only
	if skipping; then skip "$3" "$(skip_reason)"; return 0; fi
	if [ -z "$1" ] || [ -z "$2" ]; then
		fail "$3" "an empty list: the extraction is broken"
		return 0
	fi
	only=$(comm -3 <(printf '%s\n' "$1") <(printf '%s\n' "$2") | sed 's/^\t/second only: /; t; s/^/first only: /')
	if [ -z "$only" ]; then pass "$3"; else fail "$3" "$only"; fi
}

MAN=$TOP/doc

# --- options and commands: --help, source, man page ---
# needs_help CFG_X: skip unless the applet and its long --help are built in
needs_help() {
	optional CFG_LONG_HELP
	skipping || optional "$1"
}
# opts_agree APPLET CFG_X SOURCE PAGE: table = --help = man page
opts_agree() {
	local H= S= M=
	needs_help "$2"
	if ! skipping; then
		H=$(mb "$1" --help | help_opts); S=$(src_opts "$TOP/$3"); M=$(man_opts "$MAN/$4")
	fi
	same "$S" "$H" "$1: the option table and --help agree"
	same "$H" "$M" "$1: --help and $4 agree"
}
opts_agree nspawn CFG_NSPAWN src/nspawn/options.c nspawn.1
opts_agree machinectl CFG_MACHINECTL src/machinectl/machinectl.c machinectl.1
opts_agree machined CFG_MACHINED src/machined/machined.c machined.8
needs_help CFG_MACHINECTL
if ! skipping; then
	H=$(mb machinectl --help | help_verbs); S=$(src_verbs "$TOP/src/machinectl/machinectl.c"); M=$(man_verbs "$MAN/machinectl.1")
fi
same "$S" "$H" "machinectl: the verb table and --help agree"
same "$H" "$M" "machinectl: --help and machinectl.1 list the same commands"
# on an 80-column serial console a full line wraps early: 79 at most
for a in nspawn machinectl machined; do
	optional "CFG_$(echo $a | tr a-z A-Z)"
	testing "$a --help fits 79 columns" "mb $a --help | awk 'length(\$0) > 79'" ""
done
optional

# the checks above can fail: a made-up option in a copy of a page is found
sed 's/^\\fB\\-\\-chdir=/\\fB\\-\\-chdir\\-to=/' "$MAN/nspawn.1" > "$D/drift.1"
testing "a renamed option in a man page is seen" \
	"comm -3 <(man_opts $MAN/nspawn.1) <(man_opts $D/drift.1) | tr -d '\t' | tr '\n' ' '" "--chdir --chdir-to "

# --- settings and configuration keys ---
same "$(src_nspawn_keys)" "$(man_keys "$MAN/machbox.nspawn.5")" "settings.c's keys and machbox.nspawn(5) agree"
same "$(src_conf_keys)" "$(man_keys "$MAN/machbox.conf.5")" "machbox.conf's keys and machbox.conf(5) agree"
same "$(src_conf_keys)" "$(ini_keys "$TOP/config/machbox.conf")" "config/machbox.conf sets every key, no other"
testing "the .nspawn keys found in the source" "src_nspawn_keys | wc -l | awk '{print (\$1 >= 25)}'" "1"
for f in "$TOP"/config/examples/*.nspawn; do
	testing "${f##*/}: only keys of machbox.nspawn(5)" \
		"comm -13 <(man_keys $MAN/machbox.nspawn.5) <(ini_keys $f)" ""
done

# --- the man pages render cleanly ---
for page in "$MAN"/*.[158]; do
	if ! command -v groff >/dev/null; then
		skip "${page##*/}: groff -ww" "no groff"
	else
		testing "${page##*/}: groff -man -ww is quiet" "groff -man -ww -z $page 2>&1" ""
	fi
	if ! command -v mandoc >/dev/null; then
		skip "${page##*/}: mandoc -T lint" "no mandoc"
	else
		testing "${page##*/}: mandoc -T lint is quiet" "mandoc -T lint $page 2>&1; echo \$?" "0"
	fi
done
testing "a bad macro is reported" "printf '.TH X 1\n.SH A\n.BOGUS\n' | groff -man -ww -z 2>&1 | grep -c BOGUS" "1"

# --- bash completion, in plain bash (no bash-completion package) ---
BIN=$D/bin
mkdir -p "$BIN" "$D/root/var/lib/machines/debian" "$D/root/var/lib/machines/dev" "$D/root/var/lib/machines/alpine"
chmod -R 755 "$D"
if [ -n "${MACHBOX_RUNNER:-}" ]; then
	printf '#!/bin/sh\nexec %s "%s" machinectl "$@"\n' "$MACHBOX_RUNNER" "$UBIN" > "$BIN/machinectl"
	chmod 755 "$BIN/machinectl"
else
	ln -s "$UBIN" "$BIN/machinectl"
fi
# the running machines come from machined, which does not run here: a
# stand-in prints a `machinectl list --no-legend` line
mkdir -p "$D/fake"
cat > "$D/fake/machinectl" <<'EOF'
#!/bin/sh
[ "$1" = list ] && echo "web  container machbox debian 12 192.168.0.2"
[ "$1" = list-images ] && echo "img0 directory no 4.0K - -"
exit 0
EOF
chmod 755 "$D/fake/machinectl"
complete_in() {
	# complete_in PATHDIR WORD...: the completion of the last word
	local dir=$1
	shift
	env -i PATH="$dir:/usr/bin:/bin" MACHBOX_ROOT="$D/root" HOME="$D" bash --norc --noprofile -c '
		. "$0"
		COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
		_machinectl
		[ ${#COMPREPLY[@]} -gt 0 ] && printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' "$TOP/config/completion/machinectl.bash" "$@"
}
C=$TOP/config/completion/machinectl.bash
testing "completion: the commands are the verb table's" \
	"complete_in $BIN machinectl '' | tr ' ' '\n' | grep . | sort | comm -3 - <(src_verbs $TOP/src/machinectl/machinectl.c)" ""
testing "completion: the options are the option table's" \
	"complete_in $BIN machinectl -- | tr ' ' '\n' | grep . | sed 's/=\$//' | sort | comm -3 - <(src_opts $TOP/src/machinectl/machinectl.c | grep -- --)" ""
testing "completion: a command's start" "complete_in $BIN machinectl st" "start status stop "
optional CFG_IMAGES
testing "completion: image names for start (list-images)" "complete_in $BIN machinectl start ''" "alpine debian dev "
testing "completion: and their start" "complete_in $BIN machinectl -q start de" "debian dev "
optional
testing "completion: running machines for login (list)" "complete_in $D/fake machinectl login ''" "web "
testing "completion: after an option and its value" "complete_in $D/fake machinectl -s SIGHUP kill w" "web "
testing "completion: --verify= values" "complete_in $BIN machinectl --verify = s" "signature "
testing "completion: --verify=VALUE as one word" "complete_in $BIN machinectl --verify=c" "checksum "
testing "completion: -o values" "complete_in $BIN machinectl -o j" "json "
testing "completion: read-only's boolean" "complete_in $BIN machinectl read-only debian ''" "no yes "
touch "$D/alpha.tar.xz"
testing "completion: import-tar takes a file" "complete_in $BIN machinectl import-tar $D/alph" "$D/alpha.tar.xz "
testing "completion: nothing after pull-tar's URL and name" "complete_in $BIN machinectl pull-tar http://x/y.tar ''" ""
testing "completion: registered for machinectl" "bash --norc --noprofile -c '. $C; complete -p machinectl'" "complete -F _machinectl machinectl"

# --- the configuration examples ---
testing "the .nspawn examples are in config/examples" "ls $TOP/config/examples/*.nspawn | wc -l | awk '{print (\$1 >= 4)}'" "1"
# (the settings parser reads each example: test/unit/test_examples.c)

# --- firewall snippets ---
FW=$TOP/config/firewall
testing "firewalld.sh: sh -n" "sh -n $FW/firewalld.sh; echo \$?" "0"
# a stand-in firewall-cmd records the calls; the recipe must make the zone,
# let DHCP in, add the links, masquerade and allow the forward, then reload
mkdir -p "$D/fw"
cat > "$D/fw/firewall-cmd" <<EOF
#!/bin/sh
echo "\$*" >> $D/fw/calls
case "\$*" in *--info-*) exit 1 ;; esac
exit 0
EOF
chmod 755 "$D/fw/firewall-cmd"
PATH="$D/fw:$PATH" EGRESS="public home" sh "$FW/firewalld.sh" ve-debian ve-tw >/dev/null 2>&1
testing "firewalld.sh: its calls" "grep -v -- --info- $D/fw/calls" "--permanent --new-zone=machbox
--permanent --zone=machbox --add-service=dhcp
--permanent --zone=machbox --add-service=dhcpv6-client
--permanent --zone=machbox --add-interface=ve-debian
--permanent --zone=machbox --add-interface=ve-tw
--permanent --zone=public --add-masquerade
--permanent --zone=home --add-masquerade
--permanent --new-policy=machbox-out
--permanent --policy=machbox-out --add-ingress-zone=machbox
--permanent --policy=machbox-out --add-egress-zone=public
--permanent --policy=machbox-out --add-egress-zone=home
--permanent --policy=machbox-out --set-target=ACCEPT
--reload"
testing "openwrt-fw4.uci: uci batch grammar" "awk -f $TOP/test/lib/uci-batch.awk $FW/openwrt-fw4.uci; echo \$?" "0"
printf "set firewall.@zone[-1].name=x\nadd firewall zone\nset firewall.@zone[-1].inptu=ACCEPT\nset firewall.@zone[-1].name='x\n" > "$D/bad.uci"
testing "the uci checker finds faults" "awk -f $TOP/test/lib/uci-batch.awk $D/bad.uci | wc -l" "4"
if [ "$(id -u)" = 0 ] && command -v nft >/dev/null && command -v unshare >/dev/null; then
	testing "nftables.nft: nft -c in a network namespace of its own" \
		"unshare --net -- nft -c -f $FW/nftables.nft 2>&1; echo \$?" "0"
	printf 'table inet filter {\n\tchain input {\n\t\tiifname "ve-*" udp dport 67 acept\n\t}\n}\n' > "$D/bad.nft"
	testing "and nft -c finds a fault" "unshare --net -- nft -c -f $D/bad.nft >/dev/null 2>&1; echo \$?" "1"
else
	skip "nftables.nft: nft -c" "needs root and nft"
	skip "and nft -c finds a fault" "needs root and nft"
fi

# --- make install ---
if [ -n "${MACHBOX_RUNNER:-}" ] || ! command -v make >/dev/null; then
	skip "make install" "a cross build, or no make"
else
	# the binary as built: -o keeps make from rebuilding it
	BD=$(dirname "$MACHBOX")
	make -s -C "$TOP" --no-print-directory -o "$BD/machbox" BUILD="$BD" \
		DESTDIR="$D/pkg" PREFIX=/usr install >"$D/install.log" 2>&1
	rc=$?
	testing "make install: exit 0" "echo $rc; [ $rc = 0 ] || cat $D/install.log >&2" "0"
	testing "make install: every man page in its section" \
		"cd $D/pkg/usr/share/man && ls man*/* | sed 's,^man\\(.\\)/\\(.*\\.\\1\\)\$,\\2,' | sort | tr '\n' ' '" \
		"$(cd "$MAN" && ls ./*.[158] | sed 's,^\./,,' | sort | tr '\n' ' ')"
	testing "make install: the completion" "cmp $C $D/pkg/usr/share/bash-completion/completions/machinectl && echo same" "same"
	testing "make install: machbox.conf as documentation, not in /etc" \
		"ls $D/pkg/usr/share/doc/machbox/machbox.conf; ls $D/pkg/etc 2>&1 | grep -c 'No such'" \
		"$D/pkg/usr/share/doc/machbox/machbox.conf
1"
	testing "make install: examples and firewall snippets" \
		"ls $D/pkg/usr/share/doc/machbox/examples/*.nspawn $D/pkg/usr/share/doc/machbox/firewall/* | wc -l" \
		"$(ls "$TOP"/config/examples/*.nspawn "$FW"/* | wc -l)"
	optional CFG_MACHINECTL
	testing "make install: the applet links" "readlink $D/pkg/usr/bin/machinectl" "machbox"
	optional
	if command -v man >/dev/null; then
		testing_grep "man renders an installed page" \
			"LC_ALL=C MANWIDTH=80 man -l $D/pkg/usr/share/man/man1/machinectl.1 2>&1 | cat" "pull-tar URL"
	fi
fi
