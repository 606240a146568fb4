#!/usr/bin/env python3
"""Verifying block writer and checker for the VM suite (stdlib only).

Every 4 KiB block written holds a header (magic, its block number, a
generation, a CRC32 of the payload) and a payload derived from (block,
generation), so a read-back tells a correct block from a stale one, from
another block's data and from garbage. STATE is a JSON file with the model:
for each block, the generation of its last completed write ("v") and the
generations of writes that failed after it ("maybe": a failed write may or
may not have reached the media, so either value is allowed).

  vblocks.py init DEV STATE --first F --blocks N
      write every block of [F, F+N) once (runs of 64 blocks), fsync
  vblocks.py write DEV STATE --count C [--seed S] [--max-run R]
                  [--fsync-every K] [--tolerate-eio] [--make-it-fail]
                  [--drain NAME --drain-every M --ctl CTL]
      C random writes of 1..R blocks inside the range, fdatasync every K
      writes, `CTL dev drain NAME --no-wait` every M writes; with
      --tolerate-eio a write or fsync failing with EIO (or ENOMEM) is
      counted and the run goes on (the blocks of a failed write become
      "maybe"); --make-it-fail sets /proc/self/make-it-fail before the
      first write (the kernel's task-filtered fault injection)
  vblocks.py verify DEV STATE [--allow-eio] [--allow-eio-before GEN]
                   [--eio-set FILE]
      read every block of the model: each must hold an allowed value; a
      read failing with EIO is a failure unless --allow-eio, or
      --allow-eio-before GEN and the block's last completed write has a
      generation below GEN (STATE's "next" at some earlier point), or the
      block is listed in FILE (one block number a line): those must fail
      with EIO
  vblocks.py locate NVM STATE
      scan NVM (4 KiB aligned) for the current value of each block and
      print "BLOCK OFFSET" (bytes) for each one found

Every command prints one summary line (WRITE ..., VERIFY ..., LOCATE ...);
the exit status is 0 when the command's expectations hold.
"""
import argparse
import errno
import json
import mmap
import os
import random
import struct
import sys
import zlib

BS = 4096
MAGIC = b"NVFVBLK1"
HDR = struct.Struct("<8sQQI")  # magic, block, gen, crc
RUN_MAX = 64  # blocks per read or init write
ZERO = bytes(BS)


def encode(block, gen):
    p = (struct.pack("<QQ", block, gen) * (BS // 16))[: BS - HDR.size]
    return HDR.pack(MAGIC, block, gen, zlib.crc32(p)) + p


def decode(data, block):
    """The generation a block holds, or None if it is not a valid record
    of this block (all zeroes read as generation 0). The payload is checked
    through its CRC and its first 16 bytes, which name block and gen."""
    magic, blk, gen, crc = HDR.unpack_from(data)
    if magic != MAGIC:
        return 0 if data == ZERO else None
    if (blk != block or zlib.crc32(data[HDR.size:]) != crc or
            data[HDR.size:HDR.size + 16] != struct.pack("<QQ", block, gen)):
        return None
    return gen


def load(path):
    with open(path, encoding="ascii") as f:
        s = json.load(f)
    s["blocks"] = {int(k): v for k, v in s["blocks"].items()}
    return s


def save(path, s):
    out = dict(s)
    out["blocks"] = {str(k): v for k, v in sorted(s["blocks"].items())}
    with open(path + ".new", "w", encoding="ascii") as f:
        json.dump(out, f)
    os.replace(path + ".new", path)


def aligned(nblocks):
    return mmap.mmap(-1, nblocks * BS)


def cmd_init(a):
    fd = os.open(a.dev, os.O_RDWR | os.O_DIRECT)
    s = {"first": a.first, "count": a.blocks, "next": 1, "blocks": {}}
    buf = aligned(RUN_MAX)
    block = a.first
    end = a.first + a.blocks
    while block < end:
        n = min(RUN_MAX, end - block)
        gen = s["next"]
        s["next"] += 1
        buf.seek(0)
        for i in range(n):
            buf.write(encode(block + i, gen))
        os.pwritev(fd, [memoryview(buf)[: n * BS]], block * BS)
        for i in range(n):
            s["blocks"][block + i] = {"v": gen, "maybe": []}
        block += n
    os.fdatasync(fd)
    os.close(fd)
    save(a.state, s)
    print(f"INIT blocks={a.blocks} first={a.first}")
    return 0


def cmd_write(a):
    s = load(a.state)
    try:
        return write_loop(a, s)
    finally:
        save(a.state, s)


def write_loop(a, s):
    rng = random.Random(a.seed)
    fd = os.open(a.dev, os.O_RDWR | os.O_DIRECT)
    buf = aligned(a.max_run)
    first, count = s["first"], s["count"]
    st = {"writes": 0, "ok": 0, "eio": 0, "fsyncs": 0, "fsync_eio": 0,
          "drains": 0, "drain_failed": 0}
    tolerated = (errno.EIO, errno.ENOMEM) if a.tolerate_eio else ()
    fail_fd = None
    if a.make_it_fail:
        # kept open: opening it while failures are on could fail itself
        fail_fd = os.open("/proc/self/make-it-fail", os.O_WRONLY)
        os.write(fail_fd, b"1")
    try:
        for i in range(1, a.count + 1):
            n = rng.randint(1, a.max_run)
            block = first + rng.randrange(count - n + 1)
            gen = s["next"]
            s["next"] += 1
            buf.seek(0)
            for j in range(n):
                buf.write(encode(block + j, gen))
            st["writes"] += 1
            try:
                os.pwritev(fd, [memoryview(buf)[: n * BS]], block * BS)
            except OSError as e:
                for j in range(n):
                    s["blocks"][block + j]["maybe"].append(gen)
                if e.errno not in tolerated:
                    print(f"WRITE failed at block {block} (+{n}): {e}")
                    return 1
                st["eio"] += 1
            else:
                st["ok"] += 1
                for j in range(n):
                    s["blocks"][block + j] = {"v": gen, "maybe": []}
            if a.fsync_every and i % a.fsync_every == 0:
                st["fsyncs"] += 1
                try:
                    os.fdatasync(fd)
                except OSError as e:
                    if e.errno not in tolerated:
                        print(f"WRITE fsync failed: {e}")
                        return 1
                    st["fsync_eio"] += 1
            if a.drain and a.drain_every and i % a.drain_every == 0:
                st["drains"] += 1
                import subprocess  # pylint: disable=import-outside-toplevel
                r = subprocess.run([a.ctl, "dev", "drain", a.drain, "--no-wait"],
                                   stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, check=False)
                if r.returncode:
                    st["drain_failed"] += 1
    finally:
        if fail_fd is not None:
            os.write(fail_fd, b"0")
            os.close(fail_fd)
    try:
        os.fdatasync(fd)
        st["fsyncs"] += 1
    except OSError as e:
        if e.errno not in tolerated:
            print(f"WRITE final fsync failed: {e}")
            return 1
        st["fsync_eio"] += 1
    os.close(fd)
    print("WRITE " + " ".join(f"{k}={v}" for k, v in st.items()))
    return 0


def read_blocks(fd, block, n, buf):
    """Read n blocks; return a list of bytes or OSError per block."""
    try:
        got = os.preadv(fd, [memoryview(buf)[: n * BS]], block * BS)
        if got != n * BS:
            raise OSError(errno.EIO, "short read")
        return [memoryview(buf)[i * BS:(i + 1) * BS] for i in range(n)]
    except OSError:
        if n == 1:
            raise
    out = []
    for i in range(n):
        try:
            out.append(bytes(read_blocks(fd, block + i, 1, buf)[0]))
        except OSError as e:
            out.append(e)
    return out


def cmd_verify(a):
    s = load(a.state)
    eio_set = set()
    if a.eio_set:
        with open(a.eio_set, encoding="ascii") as f:
            eio_set = {int(x.split()[0]) for x in f if x.strip()}
    fd = os.open(a.dev, os.O_RDONLY | os.O_DIRECT)
    buf = aligned(RUN_MAX)
    blocks = sorted(s["blocks"])
    st = {"blocks": len(blocks), "ok": 0, "eio": 0, "wrong": 0,
          "expected_eio": 0, "not_eio": 0, "eio_forbidden": 0}
    shown = 0

    def bad(msg):
        nonlocal shown
        if shown < 20:
            print(msg)
        shown += 1

    i = 0
    while i < len(blocks):
        n = 1
        while (n < RUN_MAX and i + n < len(blocks) and
               blocks[i + n] == blocks[i] + n):
            n += 1
        try:
            got = read_blocks(fd, blocks[i], n, buf)
        except OSError as e:
            got = [e]
        for j, data in enumerate(got):
            block = blocks[i + j]
            m = s["blocks"][block]
            if isinstance(data, OSError):
                if data.errno != errno.EIO:
                    st["wrong"] += 1
                    bad(f"block {block}: read failed with {data} (not EIO)")
                elif block in eio_set:
                    st["expected_eio"] += 1
                else:
                    st["eio"] += 1
                    if not (a.allow_eio or m["v"] < a.allow_eio_before):
                        st["eio_forbidden"] += 1
                        bad(f"block {block}: EIO (last written at gen {m['v']})")
                continue
            if block in eio_set:
                st["not_eio"] += 1
                bad(f"block {block}: read succeeded, EIO expected")
            gen = decode(data, block)
            allowed = [m["v"]] + m["maybe"]
            if gen is None:
                st["wrong"] += 1
                magic, blk, g, _ = HDR.unpack_from(data)
                bad(f"block {block}: not a valid record of it (magic {magic!r}, "
                    f"block {blk}, gen {g}); model {allowed}")
            elif gen not in allowed:
                st["wrong"] += 1
                bad(f"block {block}: holds gen {gen}, model {allowed}")
            else:
                st["ok"] += 1
        i += n
    os.close(fd)
    print("VERIFY " + " ".join(f"{k}={v}" for k, v in st.items()))
    fail = st["wrong"] or st["not_eio"] or st["eio_forbidden"]
    return 1 if fail else 0


def cmd_locate(a):
    s = load(a.state)
    want = {b: m["v"] for b, m in s["blocks"].items()}
    fd = os.open(a.nvm, os.O_RDONLY | os.O_DIRECT)
    size = os.lseek(fd, 0, os.SEEK_END)
    chunk = 256
    buf = aligned(chunk)
    found = 0
    off = 0
    while off < size:
        n = os.preadv(fd, [buf], off)
        if n <= 0:
            break
        for i in range(n // BS):
            if buf[i * BS:i * BS + 8] != MAGIC:
                continue
            data = bytes(buf[i * BS:(i + 1) * BS])
            _, block, gen, _ = HDR.unpack_from(data)
            if want.get(block) == gen and decode(data, block) == gen:
                print(f"{block} {off + i * BS}")
                found += 1
                del want[block]
        off += n
    os.close(fd)
    print(f"LOCATE found={found} missing={len(want)}", file=sys.stderr)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("init")
    i.add_argument("dev")
    i.add_argument("state")
    i.add_argument("--first", type=int, default=0)
    i.add_argument("--blocks", type=int, required=True)
    w = sub.add_parser("write")
    w.add_argument("dev")
    w.add_argument("state")
    w.add_argument("--count", type=int, required=True)
    w.add_argument("--seed", type=int, default=1)
    w.add_argument("--max-run", type=int, default=8)
    w.add_argument("--fsync-every", type=int, default=16)
    w.add_argument("--tolerate-eio", action="store_true")
    w.add_argument("--make-it-fail", action="store_true")
    w.add_argument("--drain")
    w.add_argument("--drain-every", type=int, default=0)
    w.add_argument("--ctl", default="nvflushctl")
    v = sub.add_parser("verify")
    v.add_argument("dev")
    v.add_argument("state")
    v.add_argument("--allow-eio", action="store_true")
    v.add_argument("--allow-eio-before", type=int, default=0)
    v.add_argument("--eio-set")
    lo = sub.add_parser("locate")
    lo.add_argument("nvm")
    lo.add_argument("state")
    a = p.parse_args()
    return {"init": cmd_init, "write": cmd_write, "verify": cmd_verify,
            "locate": cmd_locate}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
