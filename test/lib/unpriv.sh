# Tier 2 runs the binary as an unprivileged user: a copy in a directory
# every user can read, and `as_user` dropping to nobody when we are root.
UDIR=$(mktemp -d "${TMPDIR:-/tmp}/mbcli.XXXXXX")
chmod 755 "$UDIR"
UBIN="$UDIR/machbox"
cp "$MACHBOX" "$UBIN"
chmod 755 "$UBIN"

as_user() {
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
