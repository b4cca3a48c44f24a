#!/usr/bin/python3
"""Runs a command on a new pseudo-terminal, as a person at a terminal would.

ptyrun.py [--cols N --rows N] [--timeout S] [STEP...] -- CMD [ARGS...]
STEP: --expect TEXT (wait until TEXT appeared in the output)
      --send TEXT   (type TEXT; backslash escapes like \\x1d are decoded)
      --winch COLSxROWS (resize the terminal)
Prints everything the command wrote, then exits with its status (128+signal
when killed, 124 on timeout, after killing it)."""
import fcntl, os, pty, select, signal, struct, sys, termios, time


def main():
    args = sys.argv[1:]
    sep = args.index("--")
    opts, cmd = args[:sep], args[sep + 1:]
    timeout, cols, rows, steps = 30.0, 80, 24, []
    i = 0
    while i < len(opts):
        k, v = opts[i], opts[i + 1]
        i += 2
        if k == "--timeout":
            timeout = float(v)
        elif k == "--cols":
            cols = int(v)
        elif k == "--rows":
            rows = int(v)
        else:
            steps.append((k, v))
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    out = b""
    deadline = time.monotonic() + timeout
    status = None
    while True:
        while steps and steps[0][0] != "--expect":
            k, v = steps.pop(0)
            if k == "--send":
                os.write(fd, v.encode().decode("unicode_escape").encode("latin-1"))
            elif k == "--winch":
                c, r = v.split("x")
                fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", int(r), int(c), 0, 0))
        if steps and steps[0][1].encode() in out:
            steps.pop(0)
            continue
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            sys.stdout.write(out.decode(errors="replace"))
            sys.stdout.write("\nptyrun: timeout\n")
            sys.exit(124)
        r, _, _ = select.select([fd], [], [], min(left, 0.1))
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                break
            out += data
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode(errors="replace"))
    if os.WIFSIGNALED(status):
        sys.exit(128 + os.WTERMSIG(status))
    sys.exit(os.WEXITSTATUS(status))


main()
