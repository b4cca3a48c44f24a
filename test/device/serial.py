#!/usr/bin/env python3
"""serial.py: drive a qemu virtual machine over its serial console.

Standard library only (pty, select, subprocess).  qemu runs with its serial
port on the slave side of a pty; we read and type on the master side, as a
person at a terminal would.  qemu is killed by its PID on every way out:
close(), the context manager, atexit, SIGTERM/SIGINT/SIGHUP, and timeouts
(a timeout raises Timeout, which the caller's `with` turns into a kill).

    with Device(argv, log="console.log") as d:
        d.expect(r"device# ", 60)
        rc, out = d.run("uname -r", 10)
"""
import atexit
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time

_live = set()


def _kill_all():
    for d in list(_live):
        d.kill()


def _on_signal(signum, _frame):
    _kill_all()
    sys.exit(128 + signum)


atexit.register(_kill_all)
for _s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_s, _on_signal)


class Timeout(Exception):
    pass


class Exited(Exception):
    pass


class Device:
    PROMPT = r"device# "

    def __init__(self, argv, log=None, echo=False):
        self.argv = argv
        self.buf = ""          # unread console text (\r removed)
        self.echo = echo
        self.logf = open(log, "w", encoding="utf-8", errors="replace") if log else None
        master, slave = pty.openpty()
        self.errlog = open((log or os.devnull) + ".stderr", "w") if log else subprocess.DEVNULL
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=self.errlog,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.fd = master
        os.set_blocking(master, False)
        self.pid = self.proc.pid
        self.started = time.monotonic()
        _live.add(self)
        self._n = 0

    # -- lifetime ---------------------------------------------------------
    def kill(self):
        """SIGKILL qemu by PID unless it is gone; reap it."""
        if self.proc.poll() is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        self._close()

    def _close(self):
        _live.discard(self)
        if self.fd is not None:
            try:
                self._drain(0)
            except (OSError, Exited):
                pass
            os.close(self.fd)
            self.fd = None
        if self.logf:
            self.logf.close()
            self.logf = None

    close = kill

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        return False

    def wait_exit(self, timeout):
        """Wait for qemu to exit by itself (poweroff with -no-reboot)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                self._drain(0.2)
            except Exited:
                pass
            if self.proc.poll() is not None:
                self._close()
                return self.proc.returncode
        raise Timeout("qemu still running after %ss" % timeout)

    # -- reading ------------------------------------------------------------
    def _drain(self, wait):
        """Read what is there within `wait` seconds into self.buf."""
        r, _, _ = select.select([self.fd], [], [], wait)
        if not r:
            return
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return
            except OSError:        # EIO: qemu closed the slave side
                if self.proc.poll() is not None:
                    raise Exited("qemu exited with %s" % self.proc.returncode)
                return
            if not data:
                return
            text = data.decode("utf-8", "replace")
            if self.logf:
                self.logf.write(text.replace("\r", ""))
                self.logf.flush()
            if self.echo:
                sys.stdout.write(text)
                sys.stdout.flush()
            self.buf += text.replace("\r", "")

    def expect(self, pattern, timeout):
        """Consume console text up to and including the first match."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        while True:
            m = rx.search(self.buf)
            if m:
                before = self.buf[:m.start()]
                self.buf = self.buf[m.end():]
                return m, before
            left = end - time.monotonic()
            if left <= 0:
                raise Timeout("no %r within %ss; last output: %r"
                              % (pattern, timeout, self.buf[-300:]))
            if self.proc.poll() is not None:
                self._drain(0)
                if not rx.search(self.buf):
                    raise Exited("qemu exited (%s) before %r" % (self.proc.returncode, pattern))
            self._drain(min(left, 0.5))

    # -- typing -------------------------------------------------------------
    def type(self, text):
        """Type text in small chunks, the way a terminal sends keys."""
        data = text.encode()
        while data:
            _, w, _ = select.select([], [self.fd], [], 5)
            if not w:
                raise Timeout("console does not take input")
            n = os.write(self.fd, data[:16])
            data = data[n:]
            self._drain(0.01)

    def run(self, cmd, timeout=20):
        """Type cmd at the prompt; return (exit status, output).

        The markers are typed with a quote inside them, so the echo of the
        typed line never matches them; only the shell's output does."""
        self._n += 1
        tag = "%d" % self._n
        self.buf = ""
        self.type("echo @@B\"\"EGIN%s; %s; echo @@E\"\"ND%s=$?\r" % (tag, cmd, tag))
        self.expect(r"@@BEGIN%s\n" % tag, timeout)
        m, out = self.expect(r"@@END%s=(\d+)\n" % tag, timeout)
        return int(m.group(1)), out

    def shell_ready(self, timeout):
        """Press Enter until the prompt answers (after boot)."""
        end = time.monotonic() + timeout
        while True:
            try:
                self.expect(self.PROMPT, min(3, max(0.1, end - time.monotonic())))
                return
            except Timeout:
                if time.monotonic() >= end:
                    raise
                self.type("\r")


if __name__ == "__main__":
    # serial.py QEMU-ARGV...: an interactive-less smoke run: wait for the
    # prompt, run `uname -a`, power off.
    with Device(sys.argv[1:], echo=True) as dev:
        dev.shell_ready(120)
        print(dev.run("uname -a"))
        dev.type("poweroff -f\r")
        dev.wait_exit(30)
