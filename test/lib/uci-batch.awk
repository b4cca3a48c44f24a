# A checker of `uci batch` input, for the OpenWrt snippets of config/firewall/
# (test/cli/docs.sh): uci's tokens (words, '...' and "...", # comments), its
# commands with their argument shapes, names as uci_validate_name() takes
# them, @type[-1] only after an `add` of that type, option names and values
# of fw4's zone, forwarding and rule sections, and a commit of every config
# that was changed.  Prints "FILE:LINE: why" for each fault; exit 1 if any.
#   awk -f uci-batch.awk FILE

function fault(msg) {
	printf "%s:%d: %s\n", FILENAME, FNR, msg
	bad = 1
}

# splits line s into W[1..NW] the way uci_parse_argument() does
function tokenize(s,    i, c, q, w, inword) {
	NW = 0; w = ""; q = ""; inword = 0
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (q != "") {
			if (c == q) q = ""; else w = w c
			continue
		}
		if (c == "'" || c == "\"") { q = c; inword = 1; continue }
		if (c == "#") break
		if (c == ";") { fault("';' between commands is not supported here"); return 0 }
		if (c == " " || c == "\t") {
			if (inword) { W[++NW] = w; w = ""; inword = 0 }
			continue
		}
		if (c == "\\") { fault("backslash escapes are not supported here"); return 0 }
		w = w c; inword = 1
	}
	if (q != "") { fault("unterminated " q); return 0 }
	if (inword) W[++NW] = w
	return 1
}

function name_ok(s) { return s ~ /^[A-Za-z0-9_]+$/ }
function config_ok(s) { return s ~ /^[A-Za-z0-9_-]+$/ }

# CONFIG.SECTION[.OPTION]: sets P_CONF, P_TYPE (section type, "" when a
# named section), P_OPT; want: 2 (section), 3 (option) or 0 (either)
function pointer(p, want,    n, parts, sec, t) {
	n = split(p, parts, ".")
	if (n < 2 || n > 3 || (want && n != want)) {
		fault("'" p "' is not " (want == 3 ? "CONFIG.SECTION.OPTION" : want == 2 ? "CONFIG.SECTION" : "a uci pointer"))
		return 0
	}
	P_CONF = parts[1]; sec = parts[2]; P_OPT = n == 3 ? parts[3] : ""; P_TYPE = ""
	if (!config_ok(P_CONF)) { fault("bad config name '" P_CONF "'"); return 0 }
	if (sec ~ /^@[A-Za-z0-9_]+\[-?[0-9]+\]$/) {
		t = sec; sub(/^@/, "", t); sub(/\[.*/, "", t)
		if (sec ~ /\[-/ && !((P_CONF SUBSEP t) in added)) {
			fault("'" sec "' before any 'add " P_CONF " " t "': it would change an existing section")
			return 0
		}
		P_TYPE = t
	} else if (!name_ok(sec)) {
		fault("bad section name '" sec "'"); return 0
	}
	if (P_OPT != "" && !name_ok(P_OPT)) { fault("bad option name '" P_OPT "'"); return 0 }
	return 1
}

# fw4's options of the section types the snippets use
function known_option(type, opt) {
	if (type == "zone")
		return opt ~ /^(name|network|device|subnet|input|output|forward|masq|masq6|masq_src|masq_dest|mtu_fix|family|log|log_limit|auto_helper|helper|extra_src|extra_dest|enabled)$/
	if (type == "forwarding")
		return opt ~ /^(name|src|dest|family|enabled)$/
	if (type == "rule")
		return opt ~ /^(name|src|src_ip|src_mac|src_port|dest|dest_ip|dest_port|proto|icmp_type|target|family|limit|limit_burst|enabled|device|direction|mark|set_mark|set_xmark|extra)$/
	return 1
}

function check_value(type, opt, v) {
	if (opt ~ /^(input|output|forward)$/ && v !~ /^(ACCEPT|REJECT|DROP)$/)
		fault(opt "= must be ACCEPT, REJECT or DROP, not '" v "'")
	if (type == "rule" && opt == "target" && v !~ /^(ACCEPT|REJECT|DROP|MARK|NOTRACK|HELPER|DSCP)$/)
		fault("target= '" v "' is not a fw4 target")
	if (opt == "proto" && v !~ /^(all|tcp|udp|tcpudp|icmp|icmpv6|esp|ah|gre|[0-9]+)( +[a-z0-9]+)*$/)
		fault("proto= '" v "' is not a protocol")
	if (opt ~ /port$/ && v !~ /^[0-9]+([-:][0-9]+)?( +[0-9]+([-:][0-9]+)?)*$/)
		fault(opt "= '" v "' is not a port or range")
	if (opt ~ /^(masq|mtu_fix|enabled|log)$/ && v !~ /^[01]$/)
		fault(opt "= '" v "' is not 0 or 1")
}

# PTR=VALUE of set, add_list, del_list
function assignment(cmd, arg,    eq, p, v) {
	eq = index(arg, "=")
	if (!eq) { fault(cmd " needs POINTER=VALUE, not '" arg "'"); return }
	p = substr(arg, 1, eq - 1); v = substr(arg, eq + 1)
	if (!pointer(p, cmd == "set" ? 0 : 3))
		return
	changed[P_CONF] = 1
	if (P_OPT == "") {
		if (!name_ok(v)) fault("bad section type '" v "'")
		return
	}
	if (P_TYPE != "" && !known_option(P_TYPE, P_OPT))
		fault("'" P_OPT "' is not an option of a " P_TYPE " section")
	check_value(P_TYPE, P_OPT, v)
}

{
	if (!tokenize($0) || NW == 0)
		next
	cmd = W[1]
	if (cmd == "add") {
		if (NW != 3) { fault("add takes CONFIG TYPE"); next }
		if (!config_ok(W[2])) fault("bad config name '" W[2] "'")
		if (!name_ok(W[3])) fault("bad section type '" W[3] "'")
		added[W[2] SUBSEP W[3]] = 1
		changed[W[2]] = 1
	} else if (cmd == "set" || cmd == "add_list" || cmd == "del_list") {
		if (NW != 2) { fault(cmd " takes one POINTER=VALUE (quote values with spaces)"); next }
		assignment(cmd, W[2])
	} else if (cmd == "delete" || cmd == "del" || cmd == "revert" || cmd == "rename" || cmd == "ren" || cmd == "reorder") {
		if (NW != 2) { fault(cmd " takes one argument"); next }
		p = W[2]; sub(/=.*/, "", p)
		if (pointer(p, 0)) changed[P_CONF] = 1
	} else if (cmd == "commit") {
		if (NW > 2) { fault("commit takes at most a CONFIG"); next }
		if (NW == 2) delete changed[W[2]]
		else for (c in changed) delete changed[c]
	} else if (cmd != "exit") {
		fault("unknown uci command '" cmd "'")
	}
}

END {
	for (c in changed) {
		printf "%s: changes to '%s' are never committed\n", FILENAME, c
		bad = 1
	}
	exit bad
}
