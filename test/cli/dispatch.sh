# Tier 2: dispatch of the multi-call binary, run as an unprivileged user.
. "$TOP/test/lib/testing.sh"
. "$TOP/test/lib/unpriv.sh"

testing "--version" "mb --version" "machbox $("$MACHBOX" --version | cut -d' ' -f2)"
testing "no argument is a usage error" "mb >/dev/null 2>&1; echo \$?" "2"
testing "--help exits 0" "mb --help >/dev/null; echo \$?" "0"
testing "unknown applet exits 127" "mb frobnicate 2>/dev/null; echo \$?" "127"
testing_grep "unknown applet names it" "mb frobnicate" "unknown applet 'frobnicate'"
testing "unknown option exits 2" "mb --frob 2>/dev/null; echo \$?" "2"
testing "--list extra argument" "mb --list x 2>/dev/null; echo \$?" "2"

want=""
[ "$(cfg CFG_MACHINECTL)" = 1 ] && want="${want}machinectl "
[ "$(cfg CFG_MACHINED)" = 1 ] && want="${want}machined "
[ "$(cfg CFG_NSPAWN)" = 1 ] && want="${want}nspawn "
testing "--list names the applets of this config" "mb --list | tr '\n' ' '" "$want"

# by symlink, as a device uses it
ln -s "$UBIN" "$UDIR/frobnicate"
testing "symlink with an unknown name exits 127" "as_user '$UDIR/frobnicate' 2>/dev/null; echo \$?" "127"

optional CFG_NSPAWN
ln -s "$UBIN" "$UDIR/nspawn"
testing "nspawn by symlink" "as_user '$UDIR/nspawn' --version" "machbox $("$MACHBOX" --version | cut -d' ' -f2)"
testing "machbox nspawn by argument" "mb nspawn --help | head -1" "Usage: nspawn [OPTIONS...] [COMMAND [ARGS...]]"
optional CFG_MACHINECTL
ln -s "$UBIN" "$UDIR/machinectl"
testing "machinectl by symlink" "as_user '$UDIR/machinectl' --help | head -1" "Usage: machinectl [OPTIONS...] COMMAND ..."
optional

# --install
inst="$UDIR/inst"
mkdir "$inst" && chmod 777 "$inst"
testing "--install makes a link per applet" \
	"mb --install '$inst'; echo \$?; ls '$inst' | tr '\n' ' '" "0
$want"
testing "--install links point at the binary" "readlink '$inst/$(mb --list | head -1)'" "$UBIN"
ln -sfn /nonexistent "$inst/$(mb --list | head -1)"
testing "--install replaces an old symlink" \
	"mb --install '$inst'; readlink '$inst/$(mb --list | head -1)'" "$UBIN"
first=$(mb --list | head -1)
rm -f "$inst/$first"; echo precious > "$inst/$first"; chmod 666 "$inst/$first"
testing "--install leaves a real file alone" \
	"mb --install '$inst' 2>/dev/null; echo \$?; cat '$inst/$first'" "1
precious"
testing_grep "--install says which file it kept" "mb --install '$inst'" "not replacing '.*$first': it is not a symlink"
testing "--install into a missing directory fails" "mb --install '$UDIR/nope' 2>/dev/null; echo \$?" "1"
