# Tier 2 runs the binary as an unprivileged user: a copy in a directory
# every user can read, and `as_user` dropping to nobody when we are root.
UDIR=$(mktemp -d "${TMPDIR:-/tmp}/mbcli.XXXXXX")
chmod 755 "$UDIR"
UBIN="$UDIR/machbox"
cp "${MACHBOX_BIN:-$MACHBOX}" "$UBIN"
chmod 755 "$UBIN"

as_user() {
	# a cross-built binary runs under $MACHBOX_RUNNER, by whichever name
	if [ -n "${MACHBOX_RUNNER:-}" ] && [ "$(readlink -f -- "$1")" = "$(readlink -f -- "$UBIN")" ]; then
		set -- "$MACHBOX_RUNNER" "$@"
	fi
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
	else
		"$@"
	fi
}

mb() {
	as_user "$UBIN" "$@"
}

test_cleanup() {
	rm -rf "$UDIR"
}
