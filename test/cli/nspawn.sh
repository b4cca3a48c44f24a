# Tier 2: nspawn's command line, without privileges.
. "$TOP/test/lib/testing.sh"
. "$TOP/test/lib/unpriv.sh"
optional CFG_NSPAWN

testing "--help exits 0" "mb nspawn --help >/dev/null; echo \$?" "0"
testing "unknown option exits 2" "mb nspawn --frob 2>/dev/null; echo \$?" "2"
testing "missing option argument exits 2" "mb nspawn -D 2>/dev/null; echo \$?" "2"
testing "bad --volatile exits 2" "mb nspawn --volatile=sometimes 2>/dev/null; echo \$?" "2"
testing "bad --console exits 2" "mb nspawn --console=loud 2>/dev/null; echo \$?" "2"
testing "bad --settings exits 2" "mb nspawn --settings=perhaps 2>/dev/null; echo \$?" "2"
testing "bad --resolv-conf exits 2" "mb nspawn --resolv-conf=magic 2>/dev/null; echo \$?" "2"
testing "bad --kill-signal exits 2" "mb nspawn --kill-signal=SIGFOO 2>/dev/null; echo \$?" "2"
testing "relative bind source exits 2" "mb nspawn --bind=rel:/x 2>/dev/null; echo \$?" "2"
testing "bind target with .. exits 2" "mb nspawn --bind=/tmp:/a/../b 2>/dev/null; echo \$?" "2"
testing "bad bind option exits 2" "mb nspawn --bind=/tmp:/x:sideways 2>/dev/null; echo \$?" "2"
testing "relative tmpfs exits 2" "mb nspawn --tmpfs=tmp 2>/dev/null; echo \$?" "2"
testing "bad machine name exits 2" "mb nspawn -M 'a/b' 2>/dev/null; echo \$?" "2"
testing "relative --chdir exits 2" "mb nspawn --chdir=tmp 2>/dev/null; echo \$?" "2"
testing "unknown property exits 2" "mb nspawn --property=Frob=1 2>/dev/null; echo \$?" "2"
testing "bad MemoryMax exits 2" "mb nspawn --property=MemoryMax=lots 2>/dev/null; echo \$?" "2"
testing "--ephemeral with --volatile exits 2" "mb nspawn -x --volatile 2>/dev/null; echo \$?" "2"
testing_grep "usage errors are one line naming the value" "mb nspawn --volatile=sometimes" "^nspawn: bad --volatile= mode 'sometimes'$"
testing "without root: exit 1" "mb nspawn -D / true 2>/dev/null; echo \$?" "1"
testing_grep "without root: says so" "mb nspawn -D / true" "needs root privileges"

optional CFG_MACHINED
testing "machined --help exits 0" "mb machined --help >/dev/null; echo \$?" "0"
testing "machined extra argument exits 2" "mb machined extra 2>/dev/null; echo \$?" "2"
testing "machined without root exits 1" "mb machined 2>/dev/null; echo \$?" "1"
optional CFG_SECCOMP
testing "unknown system call in a filter exits 2" "mb nspawn --system-call-filter=frob 2>/dev/null; echo \$?" "2"
testing_grep "and names it" "mb nspawn --system-call-filter='~@nogroup'" "unknown system call or group '@nogroup'"
