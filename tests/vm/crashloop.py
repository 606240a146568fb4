#!/usr/bin/env python3
"""Simulated power cuts with the module's fault hooks (test build only).

A cut after persistence event N (an NVM fence, an origin write or flush):
debugfs nvflush/fault/freeze_after = N, the operation, then crash = SEED,
which also drops a pseudo-random half of the 8-byte words of every NVM
store not yet fenced. The device is destroyed (nothing reaches the media
any more), the hooks are reset, the device is created again (recovery) and
every block is checked against the block model (tests/powercut/blockmodel.py).

  crashloop.py steps OP [--max N]      N = 0, 1, 2, ... until OP completes
                                        before the cut. OP: commit fua
                                        destage reclaim policy recovery format
  crashloop.py failnth KIND [--max N] [--stride S]
                                        the Nth NVM write or read, origin
                                        write or flush fails, N = 1, 1 + S,
                                        ... until the workload has no Nth one
  crashloop.py storeloss --images K --seed S
                                        K cuts at random points of a mixed
                                        workload
Environment: NVF_CTL, ORIGIN, PMEM. Last line:
  "RESULT points P violations V events E dropped D".
"""
import argparse
import contextlib
import io
import json
import mmap
import os
import random
import shutil
import subprocess
import sys
from types import SimpleNamespace

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "powercut"))
import blockmodel  # noqa: E402
from crashwrite import write  # noqa: E402

FAULT = "/sys/kernel/debug/nvflush/fault"
BLOCKS = 64
DEV = "/dev/nvflush0"
STATE = "/dev/shm/nvf-crashloop"
CTL = os.environ.get("NVF_CTL", "nvflushctl")
ORIGIN = os.environ.get("ORIGIN", "/dev/vda")
PMEM = os.environ.get("PMEM", "/dev/pmem0")


class Broken(Exception):
    """The test environment, not the module under test, failed."""


def ctl(*args, check=True):
    r = subprocess.run([CTL, *args], capture_output=True, text=True)
    if check and r.returncode:
        raise Broken(f"nvflushctl {' '.join(args)}: {r.stderr.strip()}")
    return r


def fault(name, value):
    with open(os.path.join(FAULT, name), "w") as f:
        f.write(f"{value}\n")


def status():
    with open(os.path.join(FAULT, "status")) as f:
        return {k: int(v) for k, v in (line.split() for line in f)}


def create(fmt=False):
    return ctl("dev", "create", "c0", "--origin", ORIGIN, "--nvm", PMEM,
               *(["--format"] if fmt else []), check=False)


def model_write(cycle, seed, count, **kw):
    return write(DEV, STATE, seed, cycle, BLOCKS, count, ctl=CTL, **kw)


def verify():
    """Violations found by the block model (its report in the second item)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = blockmodel.cmd_verify(SimpleNamespace(dev=DEV, state=STATE,
                                                   blocks=BLOCKS))
    lines = [ln for ln in out.getvalue().splitlines() if "VIOLATION" in ln]
    return (len(lines) or rc), lines


def fresh():
    """A formatted c0 over a zeroed origin, nothing in the model."""
    shutil.rmtree(STATE, ignore_errors=True)
    os.makedirs(STATE)
    fd = os.open(ORIGIN, os.O_WRONLY | os.O_DIRECT)
    zero = mmap.mmap(-1, BLOCKS * blockmodel.BS)
    os.pwrite(fd, zero, 0)
    os.fsync(fd)
    os.close(fd)
    r = create(fmt=True)
    if r.returncode:
        raise Broken(f"create --format: {r.stderr.strip()}")


def setup_base(seed=11):
    """c0 with 16 flushed model writes (some blocks in NVM), checked."""
    fresh()
    model_write(1, seed, 16)
    bad, lines = verify()
    if bad:
        raise Broken(f"the base does not verify: {lines[:3]}")


def setup_clean():
    """The base drained and destroyed: everything on the origin."""
    setup_base()
    ctl("dev", "drain", "c0", "--timeout", "60")
    ctl("dev", "destroy", "c0")


def setup_torn():
    """The base and 3 writes absorbed and fenced but never committed."""
    setup_base()
    fault("freeze_after", 3)
    model_write(2, 22, 3, flush_every=4, no_final_flush=True)
    fault("crash", 1)
    ctl("dev", "destroy", "c0")
    fault("reset", 1)


OPS = {
    # writes with an fsync every 3
    "commit": (setup_base, lambda: model_write(2, 22, 6, flush_every=3)),
    # O_DSYNC writes: FUA
    "fua": (setup_base, lambda: model_write(2, 23, 4, fua_from=0)),
    # a destage batch: origin writes, origin flush, records freed
    "destage": (setup_base,
                lambda: ctl("dev", "drain", "c0", "--timeout", "30",
                            check=False)),
    # the base's blocks again (same seed): superseded slots, reclaimed
    "reclaim": (setup_base,
                lambda: model_write(2, 11, 8, drain_after=8)),
    # root cgroup to bypass: blocks in NVM updated there, others to the
    # origin, and a flush covers both
    "policy": (setup_base,
               lambda: ctl("policy", "set", "c0", "/", "--mode", "bypass",
                           check=False).returncode == 0 and
               model_write(2, 24, 4, flush_every=2)),
    # recovery discarding uncommitted records
    "recovery": (setup_torn, lambda: create()),
    # a format over a drained NVM
    "format": (setup_clean, lambda: create(fmt=True)),
}


def clean_destroy():
    ctl("dev", "drain", "c0", "--timeout", "60", check=False)
    ctl("dev", "destroy", "c0", check=False)


def cut(n, seed, op, fmt_ok=False):
    """One cut after event n of op.

    Returns (tripped, words dropped, violations, report)."""
    fault("freeze_after", n)
    op()
    st = status()
    try:
        fault("crash", seed)
    except OSError as e:
        raise Broken(f"crash not simulated faithfully (shadow overflow): {e}")
    dropped = status()["dropped_words"]
    ctl("dev", "destroy", "c0", check=False)
    fault("reset", 1)
    if os.path.exists(DEV):
        raise Broken("the device survived its destroy")
    r = create()
    if r.returncode:
        msg = r.stderr.strip()
        # only a format cut before its new superblock leaves an NVM that
        # needs --format (blank or torn superblock), all data on the origin
        if not fmt_ok or not any(w in msg for w in ("not formatted",
                                                     "damaged")):
            return (st["tripped_at"] != 0, dropped, 1,
                    [f"recovery refused: {msg}"])
        if create(fmt=True).returncode:
            raise Broken("format after a cut format failed")
    bad, lines = verify()
    return st["tripped_at"] != 0, dropped, bad, lines


def cmd_steps(a):
    setup, op = OPS[a.op]
    n = points = violations = dropped = 0
    while True:
        setup()
        tripped, words, bad, lines = cut(n, n * 7919 + 17, op,
                                         fmt_ok=a.op == "format")
        points += 1
        dropped += words
        if bad:
            violations += 1
            print(f"{a.op} N={n}: {bad} violations: {lines[:3]}")
        clean_destroy()
        if not tripped:
            break
        n += 1
        if n > a.max:
            print(f"{a.op}: still cut after {a.max} events")
            violations += 1
            break
    print(f"RESULT points {points} violations {violations} events {n} "
          f"dropped {dropped}")
    return 0


def storeloss_op(seed):
    # 24 writes with an fsync every 5, a drain after them, then 8 FUA
    # writes; the base's seed makes writes overwrite blocks held in NVM
    return lambda: model_write(2, seed, 32, flush_every=5, drain_after=24,
                               fua_from=24)


def cmd_storeloss(a):
    rng = random.Random(a.seed)
    setup_base(a.seed)
    fault("freeze_after", 1 << 40)
    storeloss_op(a.seed)()
    events = status()["events"]
    fault("reset", 1)
    clean_destroy()
    if events < 10:
        raise Broken(f"the workload made only {events} persistence events")
    print(f"workload: {events} persistence events")
    violations = dropped = 0
    for i in range(a.images):
        n, seed = rng.randrange(events), rng.randrange(1 << 32)
        setup_base(a.seed)
        _, words, bad, lines = cut(n, seed, storeloss_op(a.seed))
        dropped += words
        if bad:
            violations += 1
            print(f"image {i}: cut after event {n}, crash seed {seed}: "
                  f"{bad} violations: {lines[:3]}")
        clean_destroy()
    print(f"RESULT points {a.images} violations {violations} events {events} "
          f"dropped {dropped}")
    return 0


def read_all():
    """Read every model block through the device: (blocks read, EIO count)."""
    fd = os.open(DEV, os.O_RDONLY | os.O_DIRECT)
    buf = mmap.mmap(-1, blockmodel.BS)
    eio = 0
    try:
        for block in range(BLOCKS):
            try:
                os.preadv(fd, [buf], block * blockmodel.BS)
            except OSError:
                eio += 1
    finally:
        os.close(fd)
    return BLOCKS, eio


def failnth_workload():
    """One writer: 8 absorbed writes with fsyncs, then reads of every block
    (NVM hits), the root cgroup switched to bypass and 4 more writes (to the
    origin, or updating NVM), and a drain (NVM reads, origin writes, an
    origin flush). Returns the EIO count of the reads."""
    eio = []

    def middle():
        eio.append(read_all()[1])
        ctl("policy", "set", "c0", "/", "--mode", "bypass", check=False)

    model_write(2, 31, 12, flush_every=4, hook_after=8, hook=middle,
                drain_after=12)
    return sum(eio)


def cmd_failnth(a):
    """Fail the Nth operation of a kind, for N = 1, 1 + stride, ... until
    the workload no longer reaches an Nth one."""
    n, points, violations = 1 - a.stride, 0, 0
    while True:
        n += a.stride
        setup_base()
        fault(f"fail_{a.op}", n)
        eio = failnth_workload()
        st = status()
        injected = st[f"injected_{a.op}"]
        degraded = json.loads(ctl("dev", "show", "c0", "--json").stdout)[
            "degraded"]
        problems = []
        if injected and not degraded:
            problems.append("the failure did not latch the degraded state")
        if eio > (1 if a.op == "nvm_read" and injected else 0):
            problems.append(f"{eio} reads failed")
        fault("reset", 1)
        ctl("dev", "destroy", "c0")
        if create().returncode:
            problems.append("recovery after the failure was refused")
        else:
            bad, lines = verify()
            if bad:
                problems.append(f"{bad} violations: {lines[:3]}")
        clean_destroy()
        if problems:
            violations += 1
            print(f"fail_{a.op} N={n}: {'; '.join(problems)}")
        if not injected:
            break
        points += 1
        if n > a.max:
            print(f"fail_{a.op}: still failing after {a.max}")
            violations += 1
            break
    print(f"RESULT points {points} violations {violations} events {n} "
          f"dropped 0")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("steps")
    s.add_argument("op", choices=sorted(OPS))
    s.add_argument("--max", type=int, default=300)
    s = sub.add_parser("failnth")
    s.add_argument("op", choices=["nvm_write", "nvm_read", "origin_write",
                                  "origin_flush"])
    s.add_argument("--max", type=int, default=300)
    s.add_argument("--stride", type=int, default=1)
    s = sub.add_parser("storeloss")
    s.add_argument("--images", type=int, required=True)
    s.add_argument("--seed", type=int, required=True)
    a = p.parse_args()
    try:
        return {"steps": cmd_steps, "failnth": cmd_failnth,
                "storeloss": cmd_storeloss}[a.cmd](a)
    except Broken as e:
        print(f"crashloop: {e}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
