#!/usr/bin/env python3
"""scenario.py: the device test, typed at the serial console (run.sh runs it).

Boot 1 (a fresh device: /usr/bin/machbox only): install the applets, import
the guest, pull it too (http://10.0.2.100/, qemu's guestfwd to httpd.py),
run a command in it with the initramfs as root (pivot_root's EINVAL
fallback), boot it with a veth, a lease from the built-in DHCP server and
nft NAT, stop it with SIGTERM, MemoryMax and TasksMax for real, enable it,
reboot.  Boot 2 (firmware with the init script): the guest came up by itself,
shell, poweroff, start + shell at once (a race), device poweroff with the
guest running.
Prints "PASS: ..." / "FAIL: ..." lines and "N passed, N failed, N skipped".
"""
import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serial import Device, Exited, Timeout  # noqa: E402

G = "/var/lib/machines/bb"
results = {"pass": 0, "fail": 0, "skip": 0}
verbose = bool(os.environ.get("VERBOSE"))


def report(ok, name, detail=""):
    word = "PASS" if ok else "FAIL"
    results["pass" if ok else "fail"] += 1
    print("%s: %s" % (word, name), flush=True)
    if detail and (not ok or verbose):
        for line in detail.rstrip().splitlines()[-25:]:
            print("    " + line, flush=True)


def skip(name, why):
    results["skip"] += 1
    print("SKIP: %s (%s)" % (name, why), flush=True)


def check(dev, name, cmd, timeout=30, rc=0, want=(), unwanted=()):
    """Run cmd; pass when the status is rc and every regex in want matches."""
    try:
        got, out = dev.run(cmd, timeout)
    except Timeout as e:
        report(False, name, "$ %s\n%s" % (cmd, e))
        # ^C, as a person would, and carry on if the shell answers again
        dev.type("\x03")
        time.sleep(1)
        dev.type("\x03\r")
        dev.run("true", 15)
        return None, ""
    except Exited as e:
        report(False, name, "$ %s\n%s" % (cmd, e))
        raise
    bad = []
    if rc is not None and got != rc:
        bad.append("exit %d, wanted %d" % (got, rc))
    for w in want:
        if not re.search(w, out, re.M):
            bad.append("no match for %r" % w)
    for u in unwanted:
        if re.search(u, out, re.M):
            bad.append("unwanted match for %r" % u)
    report(not bad, name, "$ %s\n%s%s" % (cmd, out, "\n".join(bad)))
    return got, out


def qemu_argv(kernel, initrd, disk, www=None):
    net = "user,id=n0,restrict=on"
    if www:
        # 10.0.2.100:80 in the VM runs httpd.py on each connection
        net += ",guestfwd=tcp:10.0.2.100:80-cmd:%s %s %s %s" % (
            sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "httpd.py"),
            www, os.path.join(os.path.dirname(www), "httpd.log"))
    return [
        "qemu-system-x86_64", "-nodefaults", "-no-user-config", "-display", "none",
        "-machine", "pc", "-m", "512", "-smp", "1", "-no-reboot",
        "-kernel", kernel, "-initrd", initrd,
        "-append", "console=ttyS0 cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1 panic=-1",
        "-chardev", "stdio,id=s0,signal=off", "-serial", "chardev:s0", "-monitor", "none",
        "-drive", "file=%s,if=virtio,format=raw" % disk,
        # the only network: user mode, restricted (no way out of the VM)
        "-netdev", net, "-device", "virtio-net-pci,netdev=n0",
    ]


def boot(args, initrd, n):
    t0 = time.monotonic()
    dev = Device(qemu_argv(args.kernel, initrd, args.disk, args.www),
                 log=os.path.join(args.logdir, "console-%d.log" % n), echo=verbose)
    try:
        m, before = dev.expect(r"DEVICE-READY root=(\S+) cgroup=([^\n]*)\n", 120)
        dev.shell_ready(30)
    except (Timeout, Exited) as e:
        report(False, "boot %d: device boots to a root shell on ttyS0" % n, str(e))
        dev.kill()
        raise
    report(True, "boot %d: device boots to a root shell on ttyS0 in %.1fs (root %s)"
           % (n, time.monotonic() - t0, m.group(1)))
    failed_mods = re.findall(r"rcS: modprobe (\S+) failed", before)
    report(not failed_mods, "boot %d: rcS loads the modules" % n, before[-2000:])
    cg = m.group(2).split()
    report("memory" in cg and "pids" in cg,
           "boot %d: pure cgroup v2 with memory and pids (%s)" % (n, " ".join(cg)))
    return dev


def boot1(args):
    dev = boot(args, args.initrd1, 1)
    with dev:
        check(dev, "machbox --install /usr/bin", "machbox --install /usr/bin && ls -l /usr/bin/machinectl /usr/bin/nspawn /usr/bin/machined",
              want=[r"machinectl -> ", r"nspawn -> ", r"machined -> "])
        check(dev, "machbox --list", "machbox --list", want=[r"^machinectl$", r"^nspawn$", r"^machined$"])
        check(dev, "machinectl import-tar /guest.tar.gz bb",
              "machinectl import-tar /guest.tar.gz bb && ls %s/bin/busybox %s/etc/init.d/rc.local" % (G, G),
              timeout=60)
        check(dev, "machinectl list-images shows bb", "machinectl list-images", want=[r"^bb\s"])
        check(dev, "machinectl pull-tar --verify=no from the test server (guestfwd)",
              "machinectl pull-tar --verify=no http://10.0.2.100/guest.tar.gz bb2 </dev/null && machinectl list-images && ls /var/lib/machines/bb2/bin/busybox",
              timeout=90, want=[r"^bb2\s", r"^/var/lib/machines/bb2/bin/busybox$"])
        check(dev, "pull-tar with TERM=dumb: no escape sequences on the serial console",
              "TERM=dumb machinectl pull-tar --verify=no --force http://10.0.2.100/guest.tar.gz bb2 </dev/null",
              timeout=90, want=[r"Pulled 'bb2'"], unwanted=[r"\x1b\["])
        check(dev, "machinectl remove bb2", "machinectl remove bb2 && machinectl list-images",
              timeout=30, unwanted=[r"^bb2\s"])
        check(dev, "the device's root is the initramfs: pivot_root fails there with EINVAL",
              "unshare -m sh -c 'mkdir -p /tmp/pr && mount -t tmpfs pr /tmp/pr && mkdir /tmp/pr/old && cd /tmp/pr && pivot_root . old' 2>&1",
              rc=None, want=[r"Invalid argument"])
        check(dev, "nspawn --console=pipe runs a command with the initramfs as root (pivot_root fallback)",
              "nspawn -q -D %s --console=pipe /bin/sh -c 'echo inside; cat /proc/1/cgroup' </dev/null" % G,
              timeout=60, want=[r"^inside$", r"^0::/$"])
        check(dev, "nspawn: the container has its own hostname (the machine name)",
              "nspawn -q -D %s --console=pipe /bin/hostname </dev/null" % G, timeout=60, want=[r"^bb$"])
        check(dev, "nothing left behind after the command (mounts, cgroup)",
              "grep -c machines/bb /proc/self/mountinfo; ls /sys/fs/cgroup/machbox/ 2>/dev/null | grep -c bb",
              rc=1, want=[r"^0\n0$"])

        # boot the guest in the background, with a veth and a lease
        check(dev, "nspawn -b -n --console=read-only starts in the background",
              "nspawn -D %s -b -n --console=read-only </dev/null >/tmp/bb.log 2>&1 & echo $! >/tmp/bb.pid; sleep 1; kill -0 $(cat /tmp/bb.pid)" % G,
              timeout=20)
        check(dev, "the guest boots and udhcpc gets a lease from the built-in DHCP server",
              "n=0; until grep -q -e 'udhcpc: bound' -e 'udhcpc: no lease' -e MACHBOX-BOOT-OK /tmp/bb.log || [ $n -ge 60 ]; do sleep 1; n=$((n+1)); done; "
              "sleep 1; cat /tmp/bb.log; grep 'udhcpc: bound host0'  /tmp/bb.log",
              timeout=90, want=[r"udhcpc: bound host0 \d+\.\d+\.\d+\.\d+/\d+", r"MACHBOX-BOOT-OK"])
        check(dev, "the host side ve-bb has an address",
              "ip -4 addr show dev ve-bb", want=[r"inet \d+\.\d+\.\d+\.\d+/\d+"])
        check(dev, "the guest answers a ping from the device over the veth",
              "ip=$(sed -n 's,^udhcpc: bound host0 \\([0-9.]*\\)/.*,\\1,p' /tmp/bb.log | head -n1); echo guest=$ip; ping -c 1 -W 3 $ip",
              timeout=20, want=[r"1 packets received"])
        check(dev, "NAT: nft has machbox's masquerade table for ve-bb",
              "nft list ruleset", want=[r"table ip machbox-bb", r"masquerade"])
        check(dev, "machinectl list without machined (bare nspawn is not listed: by design)",
              "machinectl list", want=[r"No machines"])
        check(dev, "SIGTERM to nspawn powers the guest off cleanly (exit 0)",
              "kill -TERM $(cat /tmp/bb.pid); wait $(cat /tmp/bb.pid); r=$?; sed -n '/MACHBOX-BOOT-OK/,$p' /tmp/bb.log; echo nspawn-exit=$r",
              timeout=60, want=[r"MACHBOX-SHUTDOWN", r"nspawn-exit=0$"])
        check(dev, "after poweroff: no ve-bb link, no cgroup, no mounts, no nft table",
              "ip link show ve-bb 2>&1; ls -d /sys/fs/cgroup/machbox/bb 2>&1; nft list tables; grep -c machines/bb /proc/self/mountinfo",
              rc=1, want=[r"^0$"], unwanted=[r"^\d+: ve-bb", r"^/sys/fs/cgroup/machbox/bb$", r"machbox-bb"])

        # cgroup v2 limits for real
        check(dev, "MemoryMax=64M: allocating 16 MiB works",
              "nspawn -q --property=MemoryMax=64M -D %s --console=pipe /usr/bin/alloc 16 </dev/null" % G,
              timeout=60, want=[r"^done$"])
        check(dev, "MemoryMax=32M: allocating 100 MiB is OOM-killed in its cgroup (exit 137)",
              "dmesg -c >/dev/null; nspawn -q --property=MemoryMax=32M -D %s --console=pipe /usr/bin/alloc 100 </dev/null; r=$?; "
              "dmesg | grep -i -e oom -e 'memory cgroup' | head -n 5; echo nspawn-exit=$r" % G,
              timeout=90, rc=0, want=[r"nspawn-exit=137$", r"oom-kill:constraint=CONSTRAINT_MEMCG.*oom_memcg=/machbox/bb"],
              unwanted=[r"^done$"])
        check(dev, "the device survives the OOM kill", "echo alive; free -m | head -n 2", want=[r"^alive$"])
        check(dev, "TasksMax=8: a fork burst of 20 stays bounded",
              "nspawn -q --property=TasksMax=8 -D %s --console=pipe /bin/sh -c 'cat /sys/fs/cgroup/pids.max; /usr/bin/alloc -f 20' </dev/null" % G,
              timeout=60, want=[r"^8$", r"forked [1-7] failed (1[3-9]|20)$"])
        check(dev, "TasksMax=8: the shell's own background sleeps fail to fork",
              "nspawn -q --property=TasksMax=8 -D %s --console=pipe /bin/sh -c 'for i in $(seq 20); do sleep 5 & done; echo unreachable' </dev/null 2>&1 | tail -n 3; echo alive" % G,
              timeout=60, want=[r"(?i)can't fork|resource temporarily unavailable", r"^alive$"], unwanted=[r"^unreachable$"])

        if args.reboot:
            check(dev, "machinectl enable bb", "machinectl enable bb && ls /etc/machbox/enabled/")
            t0 = time.monotonic()
            dev.type("reboot\r")
            try:
                rc = dev.wait_exit(120)
                report(rc == 0, "reboot: busybox init shuts down and the VM resets (%.1fs)"
                       % (time.monotonic() - t0), "qemu exit %s" % rc)
            except Timeout as e:
                report(False, "reboot: busybox init shuts down and the VM resets", str(e))
                return
        else:
            skip("enable + reboot + autostart", "init/busybox or machined --help missing")
            dev.type("poweroff\r")
            try:
                dev.wait_exit(60)
            except Timeout:
                pass
        if args.reboot:
            boot2(args)


def boot2(args):
    dev = boot(args, args.initrd2, 2)
    with dev:
        check(dev, "machined was started by the init script", "cat /run/machbox/machined.pid && kill -0 $(cat /run/machbox/machined.pid)")
        check(dev, "the enabled guest came up by itself (machinectl list)",
              "n=0; until machinectl list 2>/dev/null | grep -q '^bb ' || [ $n -ge 60 ]; do sleep 1; n=$((n+1)); done; machinectl list",
              timeout=90, want=[r"^bb\s"])
        check(dev, "the guest booted: MACHBOX-BOOT-OK and a lease in machinectl status",
              "n=0; until machinectl status bb 2>/dev/null | grep -q MACHBOX-BOOT-OK || [ $n -ge 60 ]; do sleep 1; n=$((n+1)); done; machinectl status bb",
              timeout=90, want=[r"State: running", r"MACHBOX-BOOT-OK", r"udhcpc: bound host0"])
        check(dev, "machinectl shell bb /bin/uname -a",
              "machinectl shell bb /bin/uname -a </dev/null", timeout=60, want=[r"^Linux bb "])
        check(dev, "machinectl shell bb: the guest's hostname and root",
              "machinectl shell bb /bin/sh -c 'hostname; ls /' </dev/null", timeout=60,
              want=[r"^bb$"], unwanted=[r"\bdata\b", r"\binit\b"])
        check(dev, "machinectl poweroff bb",
              "machinectl poweroff bb; n=0; while machinectl list 2>/dev/null | grep -q '^bb '; do [ $n -ge 60 ] && break; sleep 1; n=$((n+1)); done; machinectl list",
              timeout=90, unwanted=[r"^bb\s"])
        # the race a person meets typing fast: start, and shell in as soon
        # as the machine is listed (the device's root has /data and /init)
        check(dev, "machinectl shell right after start sees the guest's root and hostname, not the device's",
              "machinectl start bb; n=0; until machinectl list 2>/dev/null | grep -q '^bb '; do [ $n -ge 150 ] && break; sleep 0.2; n=$((n+1)); done; "
              "machinectl shell bb /bin/sh -c 'hostname; ls /' </dev/null",
              timeout=60, want=[r"^bb$"], unwanted=[r"\bdata\b", r"\binit\b"])
        check(dev, "machinectl list shows bb running (left running for the device's poweroff)",
              "n=0; until machinectl status bb 2>/dev/null | grep -q MACHBOX-BOOT-OK || [ $n -ge 60 ]; do sleep 1; n=$((n+1)); done; machinectl list",
              timeout=90, want=[r"^bb\s"])
        t0 = time.monotonic()
        dev.type("poweroff\r")
        try:
            rc = dev.wait_exit(150)
            report(rc == 0, "poweroff with bb running: machined stops it, the device powers off (%.1fs)" % (time.monotonic() - t0))
        except Timeout as e:
            report(False, "poweroff: machined stops, the device powers off", str(e))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd1", required=True)
    ap.add_argument("--initrd2", required=True)
    ap.add_argument("--disk", required=True)
    ap.add_argument("--logdir", required=True)
    ap.add_argument("--reboot", type=int, default=1)
    ap.add_argument("--www", help="directory served at http://10.0.2.100/ in the VM")
    args = ap.parse_args()
    t0 = time.monotonic()
    try:
        boot1(args)
    except (Timeout, Exited) as e:
        print("device: stopped early: %s" % e, flush=True)
        results["fail"] += 0 if results["fail"] else 1
    print("device: scenario took %.0fs" % (time.monotonic() - t0), flush=True)
    print("%d passed, %d failed, %d skipped" % (results["pass"], results["fail"], results["skip"]), flush=True)
    return 0 if results["fail"] == 0 and results["pass"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
