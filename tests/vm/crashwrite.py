#!/usr/bin/env python3
"""A short verifying writer for the simulated-crash suites.

Writes COUNT blocks of the power-cut model (tests/powercut/blockmodel.py:
each block holds its number, a generation and a checksum), fdatasync after
every FLUSH_EVERY writes and at the end, and logs in blockmodel's format
("S seed cycle every", then "F n" after each completed flush), so that
`blockmodel.py verify` checks the device after recovery. It stops at the
first failed write or flush (after a simulated power cut every I/O fails),
so at most FLUSH_EVERY writes follow the last logged flush.

  crashwrite.py DEV STATE --seed S --cycle C --blocks N --count K
                [--flush-every F] [--fua | --fua-from K] [--no-final-flush]
                [--drain-after K [--drain-dev NAME] [--ctl PATH]]
"""
import argparse
import mmap
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "powercut"))
import blockmodel  # noqa: E402


def write(dev, state, seed, cycle, blocks, count, flush_every=4, fua_from=None,
          no_final_flush=False, drain_after=None, drain_dev="c0",
          ctl="nvflushctl", hook_after=None, hook=None):
    """Run the writer; returns (writes done, writes flushed). After write
    hook_after, hook() runs; an OSError from it stops the writer."""
    fua_from = count if fua_from is None else fua_from
    fd = os.open(dev, os.O_RDWR | os.O_DIRECT)
    dsync = os.open(dev, os.O_RDWR | os.O_DIRECT | os.O_DSYNC)
    buf = mmap.mmap(-1, blockmodel.BS)
    log = os.open(os.path.join(state, "log"),
                  os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.write(log, f"S {seed} {cycle} {flush_every}\n".encode())
    done = flushed = 0
    try:
        for i, block, gen in blockmodel.sequence(seed, cycle, blocks, count):
            if i == fua_from and flushed < done:
                os.fdatasync(fd)
                flushed = done
                os.write(log, f"F {done}\n".encode())
            buf.seek(0)
            buf.write(blockmodel.encode(block, gen))
            os.pwrite(dsync if i >= fua_from else fd, buf, block * blockmodel.BS)
            done = i + 1
            last = done == count and not no_final_flush
            if i >= fua_from or done % flush_every == 0 or last:
                if i < fua_from:
                    os.fdatasync(fd)
                flushed = done
                os.write(log, f"F {done}\n".encode())
            if hook_after is not None and done == hook_after:
                hook()
            if drain_after is not None and done == drain_after:
                subprocess.run([ctl, "dev", "drain", drain_dev,
                                "--timeout", "30"], check=True,
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError):
        pass
    finally:
        for f in (fd, dsync, log):
            os.close(f)
    return done, flushed


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dev")
    p.add_argument("state")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--cycle", type=int, required=True)
    p.add_argument("--blocks", type=int, required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--flush-every", type=int, default=4)
    p.add_argument("--fua-from", type=int, metavar="K",
                   help="from write K on, O_DSYNC writes (FUA) instead of"
                   " fdatasync (the writes before are flushed first)")
    p.add_argument("--fua", action="store_const", const=0, dest="fua_from",
                   help="every write with O_DSYNC (--fua-from 0)")
    p.add_argument("--no-final-flush", action="store_true",
                   help="leave the writes after the last full FLUSH_EVERY"
                   " unflushed")
    p.add_argument("--drain-after", type=int, metavar="K",
                   help="after write K, drain device DRAIN_DEV with CTL")
    p.add_argument("--drain-dev", default="c0")
    p.add_argument("--ctl", default=os.environ.get("NVF_CTL", "nvflushctl"))
    a = p.parse_args()
    done, flushed = write(a.dev, a.state, a.seed, a.cycle, a.blocks, a.count,
                          a.flush_every, a.fua_from, a.no_final_flush,
                          a.drain_after, a.drain_dev, a.ctl)
    print(f"crashwrite: {done} writes, {flushed} flushed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
