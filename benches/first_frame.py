#!/usr/bin/env python3
"""Time from process start to the cockpit's first full frame on a terminal.

The cockpit runs on a fresh pseudo-terminal (W x H, default 200x60); the clock
starts just before the process is spawned and stops when the end of the first
frame (the synchronized-update end, ESC [ ? 2026 l, which the cockpit writes
after every frame) has been read from the terminal. The frame must contain
"Event loop" (the checklist title), else the run counts as a failure. The
process is then stopped with SIGTERM.

usage: first_frame.py [--runs N] [--size WxH] [--key] -- COMMAND ARGS...
  --key   also time key-to-screen: after the first frame, press Tab (focus
          moves) N times and time each until the next frame end is read.
Prints each run in ms, then: median, min, max, p10, p90.
"""
import fcntl
import os
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time

END = b"\x1b[?2026l"


def spawn(cmd, cols, rows):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def ctty():
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    env = dict(os.environ, TERM=os.environ.get("TERM", "xterm-256color"))
    t0 = time.perf_counter()
    p = subprocess.Popen(
        cmd,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        preexec_fn=ctty,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    return p, master, t0


def read_until(master, buf, marker, deadline):
    """Reads from master into buf until marker occurs after len(buf) at call time."""
    start = len(buf)
    while True:
        i = buf.find(marker, max(0, start - len(marker)))
        if i >= 0:
            return i + len(marker)
        left = deadline - time.perf_counter()
        if left <= 0:
            return -1
        r, _, _ = select.select([master], [], [], left)
        if not r:
            return -1
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:
            return -1
        if not chunk:
            return -1
        buf.extend(chunk)


def drain(master, secs):
    end = time.perf_counter() + secs
    while True:
        left = end - time.perf_counter()
        if left <= 0:
            return
        r, _, _ = select.select([master], [], [], left)
        if not r:
            return
        try:
            if not os.read(master, 1 << 16):
                return
        except OSError:
            return


def stop(p, master):
    try:
        p.send_signal(signal.SIGTERM)
    except ProcessLookupError:
        pass
    # Keep reading so the process never blocks on a full terminal.
    end = time.perf_counter() + 5
    while p.poll() is None and time.perf_counter() < end:
        drain(master, 0.05)
    if p.poll() is None:
        p.kill()
        p.wait()
    os.close(master)


def summary(name, xs):
    xs = sorted(xs)
    if not xs:
        print(f"{name}: no successful runs")
        return
    q = statistics.quantiles(xs, n=10) if len(xs) >= 2 else [xs[0]] * 9
    print(
        f"{name}: median {statistics.median(xs):.1f} ms  min {xs[0]:.1f}  max {xs[-1]:.1f}  "
        f"p10 {q[0]:.1f}  p90 {q[-1]:.1f}  (n={len(xs)})"
    )


def main():
    args = sys.argv[1:]
    runs, cols, rows, key = 20, 200, 60, False
    while args and args[0] != "--":
        a = args.pop(0)
        if a == "--runs":
            runs = int(args.pop(0))
        elif a == "--size":
            cols, rows = (int(x) for x in args.pop(0).split("x"))
        elif a == "--key":
            key = True
        else:
            sys.exit(f"unknown option {a}")
    cmd = args[1:]
    if not cmd:
        sys.exit(__doc__)
    firsts, keys, failures = [], [], 0
    for _ in range(runs):
        p, master, t0 = spawn(cmd, cols, rows)
        buf = bytearray()
        end = read_until(master, buf, END, time.perf_counter() + 10)
        t1 = time.perf_counter()
        if end < 0 or b"Event loop" not in buf[:end]:
            failures += 1
            print("FAILED: no first frame; output:", bytes(buf[-400:]), file=sys.stderr)
            stop(p, master)
            continue
        firsts.append((t1 - t0) * 1000)
        if key:
            drain(master, 0.3)  # let start-up work settle
            for _ in range(10):
                buf = bytearray()
                k0 = time.perf_counter()
                os.write(master, b"\t")
                if read_until(master, buf, END, time.perf_counter() + 5) < 0:
                    failures += 1
                    break
                keys.append((time.perf_counter() - k0) * 1000)
                drain(master, 0.05)
        stop(p, master)
    print("first frame runs (ms):", " ".join(f"{x:.1f}" for x in firsts))
    summary("first frame", firsts)
    if key:
        summary("key-to-screen", keys)
    if failures:
        print(f"{failures} failed run(s)")
        sys.exit(1)


if __name__ == "__main__":
    main()
