#!/usr/bin/python3
"""Counts how a device node is opened and closed, through inotify (ctypes, no package).

    watch_writes.py NODE [--stop-file PATH] [--ready-file PATH]

IN_CLOSE_WRITE comes when a file descriptor opened for writing is closed, and
IN_CLOSE_NOWRITE when one opened read-only is. The inode watched is the node itself
(devtmpfs), so every open of /dev/loopN counts, whoever makes it. The field test uses
it to prove that a refused job never opened the target for writing: zero close-write
events while the job ran. (A program killed with the file open still closes it, so
still counts.) Runs until the stop file appears or SIGTERM/SIGINT, then prints one
line:  close_write=N close_nowrite=N open=N
"""
import argparse
import ctypes
import ctypes.util
import os
import select
import signal
import struct
import sys

IN_OPEN = 0x00000020
IN_CLOSE_WRITE = 0x00000008
IN_CLOSE_NOWRITE = 0x00000010
EVENT = struct.Struct("iIII")  # wd, mask, cookie, len (then len bytes of name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("node")
    ap.add_argument("--stop-file")
    ap.add_argument("--ready-file")
    args = ap.parse_args()

    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    fd = libc.inotify_init1(os.O_CLOEXEC | os.O_NONBLOCK)
    if fd < 0:
        sys.exit("watch_writes: inotify_init1: " + os.strerror(ctypes.get_errno()))
    mask = IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE
    if libc.inotify_add_watch(fd, os.fsencode(args.node), mask) < 0:
        sys.exit("watch_writes: %s: %s" % (args.node, os.strerror(ctypes.get_errno())))

    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(1))
    counts = {"close_write": 0, "close_nowrite": 0, "open": 0}

    def drain():
        while True:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return
            pos = 0
            while pos + EVENT.size <= len(data):
                _, ev_mask, _, name_len = EVENT.unpack_from(data, pos)
                pos += EVENT.size + name_len
                if ev_mask & IN_CLOSE_WRITE:
                    counts["close_write"] += 1
                if ev_mask & IN_CLOSE_NOWRITE:
                    counts["close_nowrite"] += 1
                if ev_mask & IN_OPEN:
                    counts["open"] += 1

    if args.ready_file:
        open(args.ready_file, "w").close()
    while not stop and not (args.stop_file and os.path.exists(args.stop_file)):
        try:
            select.select([fd], [], [], 0.05)
        except InterruptedError:
            pass
        drain()
    drain()  # events queued before the stop
    print(" ".join("%s=%d" % kv for kv in counts.items()), flush=True)


if __name__ == "__main__":
    main()
