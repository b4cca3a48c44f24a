# Tier 2: machinectl's command line.
. "$TOP/test/lib/testing.sh"
. "$TOP/test/lib/unpriv.sh"
optional CFG_MACHINECTL

testing "--help exits 0" "mb machinectl --help >/dev/null; echo \$?" "0"
testing "--version" "mb machinectl --version | cut -d' ' -f1" "machbox"
testing "unknown verb exits 2" "mb machinectl frob 2>/dev/null; echo \$?" "2"
testing_grep "unknown verb is named" "mb machinectl frob" "unknown verb 'frob'"
testing "unknown option exits 2" "mb machinectl --frob 2>/dev/null; echo \$?" "2"
testing "start without a name exits 2" "mb machinectl start 2>/dev/null; echo \$?" "2"
testing_grep "start without a name says why" "mb machinectl start" "too few arguments for 'start'"
testing "clone with one name exits 2" "mb machinectl clone a 2>/dev/null; echo \$?" "2"
testing "rename with three names exits 2" "mb machinectl rename a b c 2>/dev/null; echo \$?" "2"
testing "bad signal exits 2" "mb machinectl -s SIGFOO kill x 2>/dev/null; echo \$?" "2"
testing "bad --kill-whom exits 2" "mb machinectl --kill-whom=some kill x 2>/dev/null; echo \$?" "2"
testing "bad --verify exits 2" "mb machinectl --verify=maybe pull-tar u 2>/dev/null; echo \$?" "2"
testing "bad --output exits 2" "mb machinectl -o xml list 2>/dev/null; echo \$?" "2"
testing "bad --lines exits 2" "mb machinectl -n many logs x 2>/dev/null; echo \$?" "2"
testing_grep "image verbs need root" "mb machinectl rename foo bar" "'rename' needs root privileges"
# a user's clone, remove, shell and login go to machined, which decides
optional CFG_USER_CONTAINERS
[ "$(id -u)" = 0 ] && chmod 711 "$TEST_TMP"
testing "a user's remove asks machined: it is not running" \
	"MACHBOX_ROOT=$TEST_TMP mb machinectl remove user-x-a 2>&1; echo \$?" "machinectl: Failed to remove 'user-x-a': machined is not running
1"
testing "so does a user's clone" "MACHBOX_ROOT=$TEST_TMP mb machinectl clone a user-x-a 2>&1" \
	"machinectl: Failed to clone 'a': machined is not running"
testing "and a user's shell" "MACHBOX_ROOT=$TEST_TMP mb machinectl shell user-x-a /bin/true 2>&1" \
	"machinectl: Failed to open a shell in 'user-x-a': machined is not running"
testing "a user's start does not start machined" "MACHBOX_ROOT=$TEST_TMP mb machinectl start user-x-a 2>&1; ls $TEST_TMP" \
	"machinectl: Failed to start machine 'user-x-a': machined is not running
stderr"
optional
