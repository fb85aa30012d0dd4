#!/usr/bin/python3
"""A misbehaving SD card for tests: a FUSE file system serving one file, `card`.

    fuse_card.py MOUNTPOINT --size BYTES --backing FILE [--eio-at SECTOR[:COUNT]]...
                 [--erase-block BYTES] [--read-only] [--slow-ms N] [--vanish-after BYTES]
                 [--refuse-direct] [--keep-mib N [--past wrap|drop|zero]]
                 [--ready-file PATH]

Run it with Debian's /usr/bin/python3 (python3-fusepy), then put a loop device over it
(`losetup -f --show MOUNTPOINT/card`): a real block device whose every request reaches
this program, since it is mounted with direct_io (without it the page cache would
answer reads of what was just written). The card's bytes live in FILE, sparse, made
or extended to --size (to --keep-mib MiB for a fake card). Faults:
  --eio-at S[:N]     reads and writes touching 512-byte sectors S..S+N-1 fail with EIO
                     (a bad area of the card); repeatable
  --erase-block B    writes fail in the whole B-byte erase block holding a bad sector
  --read-only        the lock switch: opening for writing and writing fail with EROFS,
                     so losetup attaches it read-only by itself
  --slow-ms N        every read and write takes N ms more
  --vanish-after B   once B bytes have been written, every request fails with EIO
                     (the card pulled out of the reader)
  --refuse-direct    opening with O_DIRECT works, but every write through such a
                     descriptor fails with EINVAL (file systems that check late)
A fake card (fake capacity): it reports --size, but only its first N MiB hold data.
  --keep-mib N       FILE is made or extended to N MiB (it is never shrunk; nothing
                     past N MiB of it is read or written); N MiB must be less than
                     --size. Offsets below N MiB are stored at themselves. Past them:
  --past wrap        (the default) offset X is stored at X mod N MiB, for reads and
                     writes: a write past the real capacity overwrites the card's low
                     data and reads there return it (what most fake cards do)
  --past drop        writes there succeed and are forgotten; reads there return 0xFF
                     (erased flash)
  --past zero        writes there succeed and are stored nowhere; reads there return
                     zeros
  Every request is split at each N MiB boundary it crosses, whatever its size; a write
  reports its whole length written. --eio-at, --erase-block, --vanish-after and the
  card's size apply to the offsets asked for, before this mapping (a bad sector of a
  wrapping card is bad at its own offset only). Under a loop device with --direct-io=on,
  FUSE hands over requests of 4 KiB to 128 KiB at any 4 KiB offset, so any of them may
  straddle the boundary; several threads serve them, so two writes in flight at once
  whose offsets wrap to the same place land in either order.
The kernel hands each error to the program using the loop device as EIO on that
request. SIGTERM or `umount MOUNTPOINT` ends it.
"""
import argparse
import errno
import os
import stat
import sys
import threading
import time

try:
    import fuse  # fusepy from PyPI
except ImportError:
    import fusepy as fuse  # Debian's python3-fusepy

SECTOR = 512
MiB = 1 << 20
DIRECT_FH = 1  # the file handle of a descriptor opened with O_DIRECT


def sector_range(text):
    first, _, count = text.partition(":")
    return int(first), int(count or 1)


class Card(fuse.Operations):
    def __init__(self, args):
        self.args = args
        self.size = args.size
        # The bytes the card really holds: all of them, or the first --keep-mib MiB.
        self.kept = args.keep_mib * MiB if args.keep_mib else self.size
        self.fd = os.open(args.backing, os.O_RDWR | os.O_CREAT, 0o644)
        if os.fstat(self.fd).st_size < self.kept:
            os.ftruncate(self.fd, self.kept)  # sparse
        self.bad = [(s * SECTOR, (s + n) * SECTOR) for s, n in args.eio_at]
        self.written = 0
        self.refused_writes = 0
        self.mutex = threading.Lock()
        self.now = time.time()

    def init(self, path):
        # Called once the kernel has the mount: the card can be used from here on.
        if self.args.ready_file:
            with open(self.args.ready_file, "w") as f:
                f.write("%d\n" % os.getpid())

    def gone(self):
        with self.mutex:
            return self.args.vanish_after is not None and self.written >= self.args.vanish_after

    def getattr(self, path, fh=None):
        times = dict(st_atime=self.now, st_mtime=self.now, st_ctime=self.now)
        if path == "/":
            return dict(st_mode=stat.S_IFDIR | 0o755, st_nlink=2, **times)
        if path != "/card":
            raise fuse.FuseOSError(errno.ENOENT)
        mode = 0o444 if self.args.read_only else 0o644
        return dict(st_mode=stat.S_IFREG | mode, st_nlink=1, st_size=self.size,
                    st_blocks=(self.size + 511) // 512, **times)

    def readdir(self, path, fh):
        return [".", "..", "card"]

    def open(self, path, flags):
        if path != "/card":
            raise fuse.FuseOSError(errno.ENOENT)
        if self.args.read_only and flags & os.O_ACCMODE != os.O_RDONLY:
            raise fuse.FuseOSError(errno.EROFS)
        if self.gone():
            raise fuse.FuseOSError(errno.EIO)
        return DIRECT_FH if flags & os.O_DIRECT else 0

    def request(self, length, offset):
        """Checks one read or write of LENGTH bytes at OFFSET against the faults."""
        if self.args.slow_ms:
            time.sleep(self.args.slow_ms / 1000)
        if self.gone():
            raise fuse.FuseOSError(errno.EIO)
        for lo, hi in self.bad:
            if offset < hi and offset + length > lo:
                raise fuse.FuseOSError(errno.EIO)

    def pieces(self, offset, length):
        """Splits LENGTH bytes at the card's OFFSET where they cross a multiple of the kept
        size: yields (offset in FILE or None when not stored, start in the request,
        length), in order. A genuine card gives one piece."""
        done = 0
        while done < length:
            at = offset + done
            if at < self.kept:
                n = min(length - done, self.kept - at)
                yield at, done, n
            elif self.args.past == "wrap":
                n = min(length - done, self.kept - at % self.kept)
                yield at % self.kept, done, n
            else:
                # drop, zero: nothing past the kept size is stored, so the rest is one piece
                n = length - done
                yield None, done, n
            done += n

    def pread(self, length, offset):
        """LENGTH bytes from FILE at OFFSET; a FILE shorter than that reads as zeros."""
        data = os.pread(self.fd, length, offset)
        while len(data) < length:
            more = os.pread(self.fd, length - len(data), offset + len(data))
            if not more:
                return data + bytes(length - len(data))
            data += more
        return data

    def read(self, path, length, offset, fh):
        length = max(0, min(length, self.size - offset))
        self.request(length, offset)
        if self.kept >= self.size:
            return self.pread(length, offset)
        parts = []
        for at, _, n in self.pieces(offset, length):
            if at is not None:
                parts.append(self.pread(n, at))
            else:
                parts.append(b"\xff" * n if self.args.past == "drop" else bytes(n))
        return b"".join(parts)

    def write(self, path, data, offset, fh):
        if self.args.read_only:
            raise fuse.FuseOSError(errno.EROFS)
        if self.args.refuse_direct and fh == DIRECT_FH:
            with self.mutex:
                self.refused_writes += 1
                print("refused direct write %d at %d" % (self.refused_writes, offset),
                      file=sys.stderr, flush=True)
            raise fuse.FuseOSError(errno.EINVAL)
        if offset + len(data) > self.size:
            raise fuse.FuseOSError(errno.ENOSPC)
        block = self.args.erase_block
        if block:
            # A card programs whole erase blocks: a bad sector fails every write into its
            # block. (This also keeps the kernel from reporting a write that FUSE split
            # into pieces, whose first ones passed, as a success: see field_test.sh.)
            lo = offset // block * block
            self.request(-(-(offset + len(data)) // block) * block - lo, lo)
        else:
            self.request(len(data), offset)
        if self.kept >= self.size:
            n = os.pwrite(self.fd, data, offset)
        else:
            view = memoryview(data)
            for at, start, count in self.pieces(offset, len(data)):
                if at is not None:
                    self.pwrite(view[start:start + count], at)
            n = len(data)  # what a fake card says: all of it, stored or not
        with self.mutex:
            self.written += n
        return n

    def pwrite(self, data, offset):
        """All of DATA into FILE at OFFSET."""
        while len(data):
            n = os.pwrite(self.fd, data, offset)
            data, offset = data[n:], offset + n

    def truncate(self, path, length, fh=None):
        raise fuse.FuseOSError(errno.EPERM)  # a card's size is what it is

    def fsync(self, path, datasync, fh):
        if self.gone():
            raise fuse.FuseOSError(errno.EIO)
        os.fsync(self.fd)
        return 0

    def flush(self, path, fh):
        return 0

    def release(self, path, fh):
        return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mountpoint")
    ap.add_argument("--size", type=int, required=True)
    ap.add_argument("--backing", required=True)
    ap.add_argument("--eio-at", type=sector_range, action="append", default=[])
    ap.add_argument("--erase-block", type=int, default=0)
    ap.add_argument("--read-only", action="store_true")
    ap.add_argument("--slow-ms", type=int, default=0)
    ap.add_argument("--vanish-after", type=int)
    ap.add_argument("--refuse-direct", action="store_true")
    ap.add_argument("--keep-mib", type=int)
    ap.add_argument("--past", choices=("wrap", "drop", "zero"))
    ap.add_argument("--ready-file")
    args = ap.parse_args()
    if args.size <= 0 or args.size % SECTOR:
        sys.exit("fuse_card: --size must be a positive multiple of 512")
    if args.past and args.keep_mib is None:
        sys.exit("fuse_card: --past needs --keep-mib")
    if args.keep_mib is not None and not 0 < args.keep_mib * MiB < args.size:
        sys.exit("fuse_card: --keep-mib must be more than 0 and less than --size")
    args.past = args.past or "wrap"
    # big_writes: without it libfuse 2 splits every write into 4 KiB requests.
    fuse.FUSE(Card(args), args.mountpoint, foreground=True, direct_io=True, big_writes=True,
              max_read=1 << 20, max_write=1 << 20, fsname="fuse_card")


if __name__ == "__main__":
    main()
