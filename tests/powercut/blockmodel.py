#!/usr/bin/env python3
"""Verifying block workload and checker for power-cut tests.

Every 4 KiB block written carries a header (magic, its block number, a
generation, a CRC32 of the payload) and a payload derived from (block,
generation). The writer logs "F n" to a file after each completed flush:
writes 0..n-1 were completed before that flush. Generations of cycle c are
c << 32 | (write index + 1), so a writer's sequence is reproducible from its
seed and the checker knows exactly which values each block may hold after a
power cut:
  - the last value written to it before the last logged flush (or, if none,
    the value it had when the cycle started), or
  - any value written to it after that flush (it may or may not have landed).
Anything else (wrong block, unknown generation, bad checksum, garbage) is a
violation.

  blockmodel.py write DEV STATE --seed S --cycle C --blocks N [--drain NAME]
  blockmodel.py verify DEV STATE --blocks N
STATE is a directory: the writer appends to STATE/log; verify reads it and
STATE/base.json (values at the start of the cycle) and writes the new
STATE/base.json.
"""
import argparse
import json
import mmap
import os
import random
import struct
import subprocess
import sys
import zlib

BS = 4096
MAGIC = b"NVFTORT1"
HDR = struct.Struct("<8sQQI")  # magic, block, gen, crc
FLUSH_EVERY = 16
MODE_EVERY = 1536  # writes between switches of the device mode


def payload(block, gen):
    return (struct.pack("<QQ", block, gen) * (BS // 16))[: BS - HDR.size]


def encode(block, gen):
    p = payload(block, gen)
    return HDR.pack(MAGIC, block, gen, zlib.crc32(p)) + p


def sequence(seed, cycle, blocks, count):
    """The first `count` writes of a writer: (index, block, gen)."""
    rng = random.Random(seed)
    for i in range(count):
        yield i, rng.randrange(blocks), (cycle << 32) | (i + 1)


def cmd_write(a):
    fd = os.open(a.dev, os.O_RDWR | os.O_DIRECT)
    buf = mmap.mmap(-1, BS)
    log = os.open(os.path.join(a.state, "log"), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.write(log, f"S {a.seed} {a.cycle} {FLUSH_EVERY}\n".encode())
    n = 0
    for i, block, gen in sequence(a.seed, a.cycle, a.blocks, 1 << 31):
        buf.seek(0)
        buf.write(encode(block, gen))
        os.pwrite(fd, buf, block * BS)
        n = i + 1
        if n % FLUSH_EVERY == 0:
            os.fdatasync(fd)
            os.write(log, f"F {n}\n".encode())
        if a.drain and n % 512 == 0:
            subprocess.run([a.ctl, "dev", "drain", a.drain, "--no-wait"],
                           check=True, stdout=subprocess.DEVNULL)
        if a.drain and n % MODE_EVERY == 0:
            # alternate absorb and bypass: blocks in NVM stay there, others
            # go to the origin, and flushes must cover both
            mode = "bypass" if (n // MODE_EVERY) % 2 else "absorb"
            subprocess.run([a.ctl, "dev", "set", a.drain, "--mode", mode],
                           check=True, stdout=subprocess.DEVNULL)
    return 0


def read_log(state):
    seed = cycle = None
    flushed = 0
    every = FLUSH_EVERY
    try:
        with open(os.path.join(state, "log")) as f:
            for line in f:
                parts = line.split()
                if not parts:
                    continue
                if parts[0] == "S" and len(parts) == 4:
                    seed, cycle, every = int(parts[1]), int(parts[2]), int(parts[3])
                elif parts[0] == "F" and len(parts) == 2:
                    flushed = int(parts[1])
    except FileNotFoundError:
        pass
    return seed, cycle, flushed, every


def cmd_verify(a):
    base_path = os.path.join(a.state, "base.json")
    try:
        with open(base_path) as f:
            base = {int(k): v for k, v in json.load(f).items()}
    except FileNotFoundError:
        base = {}
    seed, cycle, flushed, every = read_log(a.state)
    durable = dict(base)          # block -> value guaranteed
    maybe = {}                    # block -> values that may have landed
    if seed is not None:
        # writes after the last logged flush: at most `every` were issued
        for i, block, gen in sequence(seed, cycle, a.blocks, flushed + every):
            if i < flushed:
                durable[block] = gen
            else:
                maybe.setdefault(block, set()).add(gen)
    fd = os.open(a.dev, os.O_RDONLY | os.O_DIRECT)
    buf = mmap.mmap(-1, BS)
    now = {}
    violations = 0
    for block in range(a.blocks):
        os.preadv(fd, [buf], block * BS)
        data = bytes(buf)
        allowed = {durable.get(block, 0)} | maybe.get(block, set())
        if data == bytes(BS):
            gen = 0
        else:
            magic, blk, gen, crc = HDR.unpack_from(data)
            if magic != MAGIC or blk != block or data != encode(block, gen):
                print(f"VIOLATION block {block}: not a valid record "
                      f"(magic {magic!r}, block {blk}, gen {gen:#x}, crc {crc:#x})")
                violations += 1
                now[block] = -1
                continue
        if gen not in allowed:
            print(f"VIOLATION block {block}: holds gen {gen:#x}, allowed "
                  f"{sorted(hex(g) for g in allowed)}")
            violations += 1
        now[block] = gen
    os.close(fd)
    with open(base_path + ".new", "w") as f:
        json.dump({str(k): v for k, v in now.items() if v > 0}, f)
    os.replace(base_path + ".new", base_path)
    if os.path.exists(os.path.join(a.state, "log")):
        os.replace(os.path.join(a.state, "log"),
                   os.path.join(a.state, f"log.{cycle}"))
    print(f"VERIFY blocks={a.blocks} flushed_writes={flushed} "
          f"violations={violations}")
    return 1 if violations else 0


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("dev")
    w.add_argument("state")
    w.add_argument("--seed", type=int, required=True)
    w.add_argument("--cycle", type=int, required=True)
    w.add_argument("--blocks", type=int, required=True)
    w.add_argument("--drain",
                   help="device to drain now and then and to switch between"
                   " absorb and bypass mode")
    w.add_argument("--ctl", default="nvflushctl")
    v = sub.add_parser("verify")
    v.add_argument("dev")
    v.add_argument("state")
    v.add_argument("--blocks", type=int, required=True)
    a = p.parse_args()
    return cmd_write(a) if a.cmd == "write" else cmd_verify(a)


if __name__ == "__main__":
    sys.exit(main())
