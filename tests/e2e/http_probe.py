#!/usr/bin/env python3
"""http_probe.py - the HTTP side of test_http.sh (HOTPATH_HTTP, issue 11).

  http_probe.py get PORT PATH [METHOD] [HOST]
      One request; prints "STATUS<TAB>CONTENT-TYPE<TAB>ALLOW" then the body.
  http_probe.py batch PORT < REQUESTS
      One request per line "METHOD PATH"; prints per request
      "METHOD PATH STATUS<TAB>CONTENT-TYPE<TAB>ALLOW<TAB>BODY-BYTES".
  http_probe.py calls PORT NAME...
      GET /report.json; prints the calls of each function NAME, one line.
  http_probe.py exit_with_clients PORT PID FD
      Leaves an idle connection, a kept-alive one and a slowloris (half a
      request, a byte now and then) open, closes FD (the last write end of
      the program's stdin FIFO: the program then finishes), and prints the
      seconds until PID is gone.
  http_probe.py hostile PORT PID
      A NUL-led request, garbage, 1 MB headers, slowloris clients and
      1,000 connections at once against the server; each is answered or
      closed by the idle timeout; then one normal request, which must
      succeed; checks that the program's descriptors stay bounded.
      Exits non-zero, saying why, when something is wrong.

Every request loop is bounded in count and time, and only 127.0.0.1 or
::1 is ever contacted.
"""
import http.client
import json
import os
import resource
import signal
import socket
import sys
import time


# runtime/src/http.c HTTP_TIMEOUT_S: a connection idle this long is closed.
IDLE_S = 10


def get(port, path, method="GET", host="127.0.0.1", timeout=10):
    c = http.client.HTTPConnection(host, port, timeout=timeout)
    c.request(method, path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, r.getheader("Content-Type") or "", r.getheader("Allow") or "", body


def gone(pid):
    """The process has ended (a zombie waiting for its parent counts)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return -1


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s


def exit_with_clients(port, pid, fd):
    idle = connect(port)
    kept = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    kept.request("GET", "/report.json")
    r = kept.getresponse()
    r.read()
    if (r.getheader("Connection") or "").lower() == "close":
        print("the server closed a GET's HTTP/1.1 connection: not kept alive")
        return 1
    slow = connect(port)
    slow.sendall(b"GET /report.json HTTP/1.1\r\nHost: x\r\n")
    for i in range(3):
        time.sleep(0.3)
        slow.sendall(b"X-%d: y\r\n" % i)
    start = time.monotonic()
    os.close(fd)
    while not gone(pid) and time.monotonic() - start < 60:
        time.sleep(0.01)
        try:
            slow.send(b"Y", socket.MSG_NOSIGNAL)  # the slowloris keeps going
        except OSError:
            pass
    print("%.3f" % (time.monotonic() - start))
    for s in (idle, slow):
        s.close()
    kept.close()
    return 0 if gone(pid) else 1


def hostile(port, pid):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 4096)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    base = fds(pid)
    worst = base
    problems = []

    # 0. A request led by a NUL byte: libmicrohttpd reads the line as
    # empty (the blank lines allowed before a request line) and waits for
    # more, so the client is only idle: no answer, the connection is closed
    # at the idle timeout, and nobody else waits meanwhile.  Random garbage
    # does this too, 1 time in ~3,000 (a NUL first, no other line end).
    nul = connect(port)
    nul.sendall(b"\x00GET /report.json HTTP/1.1\r\n\r\n")
    nul_sent = time.monotonic()
    try:
        status, _, _, _ = get(port, "/report.json", timeout=30)
        if status != 200:
            problems.append("beside a NUL-led request: status %d" % status)
    except OSError as e:
        problems.append("beside a NUL-led request: %s" % e)

    # 1. Garbage: 200 connections of random bytes; each gets an error
    # answer or a close, at the latest at the idle timeout (see 0).
    late = 0
    for i in range(200):
        try:
            s = connect(port)
            s.sendall(os.urandom(512 + i * 7) + b"\r\n\r\n")
            s.settimeout(IDLE_S + 5)
            start = time.monotonic()
            try:
                s.recv(4096)
            except socket.timeout:
                problems.append("garbage %d: no answer nor close in %d s" % (i, IDLE_S + 5))
            except OSError:
                pass
            if time.monotonic() - start > 5:
                late += 1
            s.close()
        except OSError as e:
            problems.append("garbage %d: %s" % (i, e))
        if problems:
            break
    print("garbage: 200 sent, %d closed only at the idle timeout" % late)

    nul.settimeout(max(0.1, nul_sent + IDLE_S + 5 - time.monotonic()))
    try:
        got = nul.recv(4096)
        took = time.monotonic() - nul_sent
        if got:
            print("NUL-led request: answered", got[9:12].decode("ascii", "replace"))
        else:
            print("NUL-led request: closed after %.0f s" % took)
    except socket.timeout:
        problems.append("NUL-led request: still open %d s on" % (IDLE_S + 5))
    except OSError:
        print("NUL-led request: reset")
    nul.close()

    # 2. Huge headers: 20 requests with 1 MB of header.
    answers = {}
    for i in range(20):
        s = connect(port)
        s.settimeout(10)
        head = b"GET /report.json HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
        try:
            s.sendall(head)
        except OSError:
            pass  # closed on us mid-way: fine
        try:
            reply = s.recv(64)
        except socket.timeout:
            problems.append("huge header %d: no answer in 10 s" % i)
            reply = b""
        except OSError:
            reply = b""
        status = reply[9:12].decode("ascii", "replace") if reply.startswith(b"HTTP/") else "closed"
        answers[status] = answers.get(status, 0) + 1
        if status == "200":
            problems.append("huge header %d: answered 200" % i)
        s.close()
    print("huge headers:", ", ".join("%s x%d" % kv for kv in sorted(answers.items())))

    # 3. Slowloris: 40 half requests, fed a header line every 0.2 s for
    # 2 s, all held open at once; the program is sampled meanwhile.
    slow = []
    for i in range(40):
        try:
            s = connect(port)
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            slow.append(s)
        except OSError:
            pass  # past the limit: refused or reset
    for k in range(10):
        time.sleep(0.2)
        for s in slow:
            try:
                s.sendall(b"X-%d: y\r\n" % k)
            except OSError:
                pass
        worst = max(worst, fds(pid))
    print("slowloris: %d of 40 connected" % len(slow))

    # 4. 1,000 connections at once (non-blocking connects), held 1 s.
    flood = []
    for i in range(1000):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        except OSError:
            pass
        flood.append(s)
    for k in range(10):
        time.sleep(0.1)
        worst = max(worst, fds(pid))
    for s in flood + slow:
        s.close()
    print("descriptors: %d before, at most %d under attack" % (base, worst))
    if worst > base + 32 + 8:
        problems.append("the program held %d descriptors (%d before): "
                        "the connection limit did not hold" % (worst, base))

    # 5. A normal request now succeeds (the closed connections are
    # reaped at once; give the server a few tries).
    ok = False
    deadline = time.monotonic() + 20
    last = ""
    while time.monotonic() < deadline:
        try:
            status, ctype, _, body = get(port, "/report.json", timeout=5)
            if status == 200 and b'"functions"' in body:
                ok = True
                break
            last = "status %d" % status
        except OSError as e:
            last = str(e)
        time.sleep(0.2)
    if not ok:
        problems.append("no normal answer after the attack: " + last)
    # and every connection is released again
    deadline = time.monotonic() + 20
    while fds(pid) > base and time.monotonic() < deadline:
        time.sleep(0.1)
    if fds(pid) > base:
        problems.append("descriptors not released: %d, %d before" % (fds(pid), base))
    for p in problems:
        print("problem:", p)
    return 1 if problems else 0


def main(argv):
    if argv[1] == "get":
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head -1` is fine
        method = argv[4] if len(argv) > 4 else "GET"
        host = argv[5] if len(argv) > 5 else "127.0.0.1"
        status, ctype, allow, body = get(int(argv[2]), argv[3], method, host)
        sys.stdout.write("%d\t%s\t%s\n" % (status, ctype, allow))
        sys.stdout.flush()
        sys.stdout.buffer.write(body)
        return 0
    if argv[1] == "batch":
        for line in sys.stdin:
            if not line.strip():
                continue
            method, path = line.split()
            status, ctype, allow, body = get(int(argv[2]), path, method)
            print("%s %s %d\t%s\t%s\t%d" % (method, path, status, ctype, allow, len(body)))
        return 0
    if argv[1] == "calls":
        status, _, _, body = get(int(argv[2]), "/report.json")
        if status != 200:
            print("status", status)
            return 1
        r = json.loads(body)
        print(" ".join(str(sum(f["calls"] for f in r["functions"] if f["name"] == n))
                       for n in argv[3:]))
        return 0
    if argv[1] == "exit_with_clients":
        return exit_with_clients(int(argv[2]), int(argv[3]), int(argv[4]))
    if argv[1] == "hostile":
        return hostile(int(argv[2]), int(argv[3]))
    print("usage: see the top of", argv[0])
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
