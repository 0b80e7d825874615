#!/usr/bin/env python3
"""top_keys.py HPCC REPORT.json - hpcc top on a real terminal (a pty): the
keys change the order of the rows, a resize redraws cut to the new width,
and every way out (q, Ctrl-C, SIGTERM) gives the terminal back as it was:
the alternate screen left, the cursor shown, and the terminal's modes
(tcgetattr of the pty) the same as before.  So does a stop (Ctrl-Z,
SIGTSTP) under a job-control parent, as under a shell; SIGCONT takes the
terminal again and redraws.  Ctrl-Z stops the whole job when hpcc runs
under a wrapper (sh -c), and after bg, fg takes the terminal again.

The report is read once and the interval is long, so every frame shows
the figures since the program's start; the expected order of each key
comes from top_expect.py, computed from the report itself."""
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import top_expect  # noqa: E402

HPCC, REPORT = sys.argv[1], sys.argv[2]
ENTER, LEAVE = b"\x1b[?1049h", b"\x1b[?25h\x1b[?1049l"
ESC = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
failures = []


def fail(what):
    failures.append(what)
    print("FAIL " + what)


def set_size(fd, cols, rows):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


# What a shell does for a foreground job: the session and the terminal
# are the shell's; the job is its own process group, in the foreground.
# So the job's group is not orphaned and SIGTSTP stops it (the kernel
# drops SIGTSTP's stop in an orphaned group).  As a shell, it waits with
# WUNTRACED for the job's leader and writes each stop's signal on fd 3;
# SIGUSR1 is the shell's bg (the terminal back to the shell, the job
# continued), SIGUSR2 its fg (the terminal to the job, continued).
# argv: the events' fd, then the job's.
# Exits as the job did.
JOB_CONTROL = r"""
import fcntl, os, signal, sys, termios
os.setsid()
fcntl.ioctl(0, termios.TIOCSCTTY, 0)
signal.signal(signal.SIGTTOU, signal.SIG_IGN)
events = os.fdopen(int(sys.argv[1]), "w", buffering=1)
pid = os.fork()
if pid == 0:
    events.close()
    os.setpgid(0, 0)
    os.tcsetpgrp(0, os.getpid())
    signal.signal(signal.SIGTTOU, signal.SIG_DFL)
    os.execv(sys.argv[2], sys.argv[2:])
os.setpgid(pid, pid)


def bg(*_):
    os.tcsetpgrp(0, os.getpgrp())
    os.killpg(pid, signal.SIGCONT)


def fg(*_):
    os.tcsetpgrp(0, pid)
    os.killpg(pid, signal.SIGCONT)


signal.signal(signal.SIGUSR1, bg)
signal.signal(signal.SIGUSR2, fg)
while True:
    _, status = os.waitpid(pid, os.WUNTRACED)
    if not os.WIFSTOPPED(status):
        break
    events.write("stopped %d\n" % os.WSTOPSIG(status))
if os.WIFSIGNALED(status):
    signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
    os.kill(os.getpid(), os.WTERMSIG(status))
sys.exit(os.WEXITSTATUS(status))
"""


class Run:
    """hpcc top on a fresh pty of cols x rows; job_control: as a shell's
    foreground job (self.pid is hpcc's)."""

    def __init__(self, args, cols=120, rows=30, job_control=False, wrapper=False):
        self.master, self.slave = os.openpty()
        set_size(self.slave, cols, rows)
        self.modes = termios.tcgetattr(self.slave)
        self.out = b""
        self.events = b""
        self.event_fd = None

        def child():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        argv = [HPCC, "top"] + args
        if wrapper:
            # as from a script or make: a shell that waits for hpcc
            argv = ["/bin/sh", "-c", '"$@"; exit $?', "sh"] + argv
        pass_fds = ()
        if job_control:
            self.event_fd, w = os.pipe()
            argv = [sys.executable, "-c", JOB_CONTROL, str(w)] + argv
            pass_fds = (w,)
        self.proc = subprocess.Popen(argv, stdin=self.slave,
                                     stdout=self.slave, stderr=self.slave,
                                     preexec_fn=None if job_control else child,
                                     close_fds=True, pass_fds=pass_fds)
        if job_control:
            os.close(w)
        self.pid = self.proc.pid  # the job's (the shell's child)
        self.hpcc = self.proc.pid
        deadline = time.monotonic() + 30
        for depth in range((1 if job_control else 0) + (1 if wrapper else 0)):
            parent = self.hpcc
            while self.hpcc == parent and time.monotonic() < deadline:
                try:
                    with open("/proc/%d/task/%d/children" % (parent, parent)) as f:
                        kids = f.read().split()
                    if kids:
                        self.hpcc = int(kids[0])
                except OSError:
                    pass
                time.sleep(0.01)
            if depth == 0:
                self.pid = self.hpcc

    def event(self, what, limit=30):
        """The job-control parent's next line (a stop): waits up to limit
        seconds (a guard against a hang); None if none came."""
        deadline = time.monotonic() + limit
        while b"\n" not in self.events and time.monotonic() < deadline:
            r, _, _ = select.select([self.event_fd, self.master], [], [], 0.2)
            if self.master in r:
                try:
                    self.out += os.read(self.master, 65536)
                except OSError:
                    pass
            if self.event_fd in r:
                chunk = os.read(self.event_fd, 4096)
                if not chunk:
                    break
                self.events += chunk
        if b"\n" not in self.events:
            fail("%s: the job did not stop (hpcc's state %s)" % (what, self.state()))
            return None
        line, self.events = self.events.split(b"\n", 1)
        return line.decode()

    def state(self):
        try:
            with open("/proc/%d/stat" % self.hpcc) as f:
                return f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            return "gone"

    def stopped(self, what, sig=signal.SIGTSTP):
        """Waits (up to 30 s) for the job to be stopped by sig, as its
        shell sees it, and for hpcc's output to end by leaving the
        alternate screen (written before the stop); then the terminal's
        modes must be as they were."""
        line = self.event(what)
        if line is None:
            return False
        if line != "stopped %d" % sig:
            fail("%s: %s, expected stopped %d (%s)" % (what, line, sig,
                                                       signal.Signals(sig).name))
            return False
        if not self.read_until(lambda o: o.rstrip(b"\r\n").endswith(LEAVE),
                               what + ": the alternate screen left before the stop",
                               limit=30):
            return False
        if termios.tcgetattr(self.slave) != self.modes:
            fail("%s: stopped with the terminal's modes not restored" % what)
            return False
        return True

    def resumed(self, what, how=None):
        """SIGCONT to the job (how: a function that sends it): the
        alternate screen again and a whole frame."""
        n = self.out.count(ENTER)
        if how:
            how()
        else:
            os.killpg(self.pid, signal.SIGCONT)
        return self.read_until(lambda o: o.count(ENTER) > n and
                               b"keys:" in o.rsplit(ENTER, 1)[-1],
                               what + ": a frame after SIGCONT")

    def read_until(self, pred, what, limit=60, quiet=False):
        """Reads until pred(output) holds (a guard against a hang, not a
        timing check: the frames come at once)."""
        deadline = time.monotonic() + limit
        while not pred(self.out) and time.monotonic() < deadline:
            r, _, _ = select.select([self.master], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                self.out += chunk
        if not pred(self.out):
            if not quiet:
                fail("%s: not seen; output so far: %r" % (what, self.out[-600:]))
            return False
        return True

    def frames(self):
        return self.out.count(b"\x1b[H")

    def frame(self):
        """The last frame's lines, escapes removed."""
        text = self.out.rsplit(b"\x1b[H", 1)[-1].decode("utf-8", "replace")
        return [ESC.sub("", l).rstrip("\r") for l in text.split("\n")]

    def rows(self):
        lines = self.frame()
        at = [i for i, l in enumerate(lines) if l.startswith("Function ")]
        if not at:
            return []
        got = []
        for l in lines[at[0] + 1:]:
            if not l.strip() or l.startswith("keys:"):
                break
            got.append(l.split()[0])
        return got

    def type(self, keys):
        os.write(self.master, keys)

    def finish(self, what, want_status):
        try:
            status = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait()
            fail("%s: still running 60 s after it was told to quit" % what)
        # what is left to read
        while True:
            r, _, _ = select.select([self.master], [], [], 0.2)
            if not r:
                break
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.out += chunk
        if status != want_status:
            fail("%s: exit status %d, expected %d; output %r" % (
                what, status, want_status, self.out[-300:]))
        if ENTER not in self.out:
            fail("%s: the alternate screen was never entered" % what)
        elif not self.out.rstrip(b"\r\n").endswith(LEAVE):
            fail("%s: the output does not end by leaving the alternate screen "
                 "and showing the cursor: %r" % (what, self.out[-120:]))
        if termios.tcgetattr(self.slave) != self.modes:
            fail("%s: the terminal's modes were not restored" % what)
        os.close(self.master)
        os.close(self.slave)
        if self.event_fd is not None:
            os.close(self.event_fd)


def expected(key):
    return [r[0] for r in top_expect.expected(top_expect.load(REPORT), None, key)]


def check_order(run, key):
    if not run.read_until(lambda o: ("sort: " + key).encode() in
                          o.rsplit(b"\x1b[H", 1)[-1] and b"keys:" in
                          o.rsplit(b"\x1b[H", 1)[-1], "a frame sorted by " + key):
        return
    if run.rows() != expected(key):
        fail("sorted by %s: rows %s, expected %s" % (key, run.rows(), expected(key)))
    else:
        print("ok   sorted by %s: %s" % (key, " ".join(run.rows())))


# keys: s (the default order), c, a, p, n, t; resize; q
if expected("self") == expected("calls"):
    fail("the report does not tell self from calls order: %s" % expected("self"))
run = Run(["--interval", "600", REPORT])
check_order(run, "self")
for key in "capnt":
    run.type(key.encode())
    check_order(run, top_expect.KEYS[top_expect.KEYS.index(
        {"c": "calls", "a": "avg", "p": "p95", "n": "name", "t": "total"}[key])])
n = run.frames()
set_size(run.slave, 40, 12)  # the kernel sends SIGWINCH
if run.read_until(lambda o: o.count(b"\x1b[H") > n and b"keys:" in o.rsplit(b"\x1b[H", 1)[-1],
                  "a frame after the resize"):
    wide = [l for l in run.frame() if len(l) > 40]
    if wide:
        fail("after the resize to 40 columns, lines wider: %s" % wide)
    else:
        print("ok   resized to 40 columns: every line fits")
run.type(b"q")
run.finish("q", 0)

# Ctrl-C is a key (raw mode); SIGINT, SIGTERM and SIGHUP from elsewhere
# are signals: all restore
run = Run(["--interval", "600", REPORT])
if run.read_until(lambda o: b"keys:" in o, "the first frame"):
    run.type(b"\x03")
run.finish("Ctrl-C", 0)
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    run = Run(["--interval", "600", REPORT])
    if run.read_until(lambda o: b"keys:" in o, "the first frame"):
        run.proc.send_signal(sig)
    run.finish(signal.Signals(sig).name, -sig)

# Stops, as a shell's job: SIGTSTP from elsewhere, then the suspend key
# (raw mode reads Ctrl-Z as a byte); each time the terminal is given back
# before the stop and taken again at SIGCONT; then q, as usual.
run = Run(["--interval", "600", REPORT], job_control=True)
if run.read_until(lambda o: b"keys:" in o, "the first frame"):
    os.kill(run.hpcc, signal.SIGTSTP)
    if run.stopped("SIGTSTP") and run.resumed("SIGTSTP"):
        print("ok   SIGTSTP: the terminal given back, stopped, taken again at SIGCONT")
        run.type(b"\x1a")
        if run.stopped("Ctrl-Z") and run.resumed("Ctrl-Z"):
            print("ok   Ctrl-Z: the terminal given back, stopped, taken again at SIGCONT")
            run.type(b"n")
            check_order(run, "name")
run.type(b"q")
run.finish("after Ctrl-Z and SIGTSTP", 0)

# Ctrl-Z under a wrapper (sh -c, a script, make): the whole job stops,
# as with the terminal's own Ctrl-Z; hpcc stopping alone left the shell
# waiting for the wrapper, which never stopped, and the terminal to no one
run = Run(["--interval", "600", REPORT], job_control=True, wrapper=True)
if run.read_until(lambda o: b"keys:" in o, "the first frame"):
    run.type(b"\x1a")
    if run.stopped("Ctrl-Z under sh -c") and run.resumed("Ctrl-Z under sh -c"):
        print("ok   Ctrl-Z under sh -c: the job stopped, taken again at SIGCONT")
os.killpg(run.pid, signal.SIGCONT)  # whatever happened: not left stopped
run.type(b"q")
run.finish("sh -c, after Ctrl-Z", 0)

# Ctrl-Z, then the shell's bg: in the background, taking the terminal
# stops hpcc (SIGTTOU); then fg gives it the terminal (whose SIGCONT
# failed the tcsetattr with EINTR: hpcc ended, "cannot set up the
# terminal again")
run = Run(["--interval", "600", REPORT], job_control=True)
if run.read_until(lambda o: b"keys:" in o, "the first frame"):
    run.type(b"\x1a")
    if run.stopped("Ctrl-Z, before bg") and \
            (os.kill(run.proc.pid, signal.SIGUSR1) or True) and \
            run.stopped("bg: the terminal taken from the background", signal.SIGTTOU) and \
            run.resumed("fg", lambda: os.kill(run.proc.pid, signal.SIGUSR2)):
        print("ok   Ctrl-Z, bg, fg: stopped by SIGTTOU in the background, "
              "the terminal taken again at fg")
        run.type(b"n")
        check_order(run, "name")
run.type(b"q")
run.finish("after Ctrl-Z, bg and fg", 0)

# Ctrl-Z in an orphaned process group (hpcc leads its own session, as
# under a terminal emulator with no shell): the kernel drops the stop, so
# hpcc gives the terminal back, takes it again at once and goes on; q
# still quits (no hang, no stop)
run = Run(["--interval", "600", REPORT])
if run.read_until(lambda o: b"keys:" in o, "the first frame"):
    n = run.out.count(ENTER)
    run.type(b"\x1a")
    if run.read_until(lambda o: o.count(ENTER) > n and b"keys:" in o.rsplit(ENTER, 1)[-1],
                      "Ctrl-Z, orphaned: a frame again"):
        if run.state() == "T":
            fail("Ctrl-Z, orphaned: stopped, with no shell to continue it")
            os.kill(run.hpcc, signal.SIGCONT)
        else:
            print("ok   Ctrl-Z in an orphaned group: not stopped, the view goes on")
run.type(b"q")
run.finish("Ctrl-Z, orphaned", 0)

# a target that cannot be read: one error line, the terminal untouched
run = Run(["--interval", "600", "no-such-report.json"])
status = run.proc.wait(60)
run.read_until(lambda o: b"\n" in o, "the error line")
said = ESC.sub("", run.out.decode("utf-8", "replace"))
if status != 1 or "hpcc: error: cannot read no-such-report.json" not in said or \
        ENTER in run.out:
    fail("unreadable target on a terminal: status %d, output %r" % (status, run.out))

print("%d failures" % len(failures))
sys.exit(1 if failures else 0)
