# Tier 2: the init scripts of init/ parse, and say what they must.
. "$TOP/test/lib/testing.sh"
I=$TOP/init
for f in sysvinit/machbox busybox/machbox procd/machbox runit/machbox/run s6/machbox/run; do
	testing "sh -n $f" "sh -n $I/$f 2>&1; echo \$?" "0"
	testing "$f is executable" "test -x $I/$f && echo yes" "yes"
done
# openrc-run is sh plus a few functions: its syntax is sh's
testing "sh -n openrc/machbox" "sh -n $I/openrc/machbox 2>&1; echo \$?" "0"
testing "openrc: openrc-run" "head -1 $I/openrc/machbox" "#!/sbin/openrc-run"
testing_grep "openrc: retry waits for the shutdown" "cat $I/openrc/machbox" '^retry="TERM/90/KILL/5"$'
testing_grep "sysvinit: LSB header" "cat $I/sysvinit/machbox" "^### BEGIN INIT INFO"
testing_grep "sysvinit: Default-Stop 0 1 6" "cat $I/sysvinit/machbox" "^# Default-Stop: +0 1 6$"
testing_grep "busybox: inittab starts it" "cat $I/busybox/inittab" "^::sysinit:/etc/init.d/machbox start$"
testing_grep "busybox: inittab stops it" "cat $I/busybox/inittab" "^::shutdown:/etc/init.d/machbox stop$"
testing_grep "procd: USE_PROCD" "cat $I/procd/machbox" "^USE_PROCD=1$"
testing_grep "procd: respawn" "cat $I/procd/machbox" "procd_set_param respawn"
testing_grep "procd: foreground" "cat $I/procd/machbox" "command /usr/bin/machined -f$"
testing "s6: longrun" "cat $I/s6/machbox/type" "longrun"
U=$I/systemd/machbox-machined.service
if command -v systemd-analyze >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	testing "systemd-analyze verify" "systemd-analyze verify $U 2>&1 | grep -v 'machined.*No such file\|Command /usr/bin/machined is not executable' | grep -c ." "0"
else
	skip "systemd-analyze verify" "no systemd here"
fi
for k in '^\[Unit\]$' '^\[Service\]$' '^\[Install\]$' '^ExecStart=/usr/bin/machined -f$' '^KillMode=process$' '^TimeoutStopSec=90$' '^WantedBy=multi-user.target$'; do
	testing_grep "systemd unit has $k" "cat $U" "$k"
done
