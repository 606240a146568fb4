#!/usr/bin/env python3
"""Allocation failures at every site, one at a time, with the kernel's
per-task fault injection counter (/proc/PID/task/TID/fail-nth; see the
kernel's Documentation/fault-injection/fault-injection.rst): the N-th fault
injection site that the task passes fails, and nothing else does. With
failslab's ignore-gfp-wait off every slab allocation is such a site.

  failnth.py count CMD [ARG...]
      run CMD with an unreachable N; print how many sites it passed
  failnth.py sweep OP --ctl CTL --copy DIR --name NAME --origin DEV
                   --nvm DEV [--tail K] [--stride S]
      run nvflushctl OP with N at each of the last K sites (default 80) of
      its run and on until three runs in a row end before their N-th site.
      OP: create (dev create --format), destroy, drain (dev drain, waiting),
      stats (stats --json). nvflushctl, its libraries and the dynamic
      loader are copied to DIR (a tmpfs) and run from there, so that no
      failure hits the file system they come from (the VM's 9p root, whose
      client does not survive a failed allocation in every place). After
      each run the state must be consistent: a device that exists answers
      dev show and can be destroyed; one that does not left no disk, no
      kernel thread and no claim on its lower devices (an O_EXCL open
      succeeds). The run itself must succeed (exit 0) or fail cleanly (exit
      1 with an "nvflushctl: " message, or the loader's message).
  failnth.py ynl OP --ynl DIR --spec SPEC --name NAME --origin DEV
                 --nvm DEV [--stride S]
      the kernel side alone: send OP with the kernel's YNL library (DIR,
      tools/net/ynl) from this process with N = 1, 1+S, ... until three
      requests in a row end before their N-th site; only the request's
      system calls run while the counter is set. OP: create, destroy,
      drain, get, stats (dumps). Each request must succeed or fail with
      an errno; the state must be consistent as for sweep (checked with
      dev-get), and no device means no module reference either.
  failnth.py io DEV --ctl CTL --name NAME --first B --blocks N
      in this process: writes (of blocks in NVM, and of blocks that are
      not), reads and fsyncs of DEV, each with N = 1,
      2, ... until one ends before its N-th site; a failed write or fsync
      must fail with EIO or ENOMEM, a read must return the block's value
      (tests/vm/vblocks.py records) or fail with EIO or ENOMEM, and after
      each write the block must hold the new value (old or new if the
      write failed)

The counter is set in the child between fork and exec, so exec itself is
counted; it is read back from the exited child before it is reaped (a
zombie's /proc entry still holds it). Each command ends with a summary line
and exits 1 when an expectation failed.
"""
import argparse
import errno
import mmap
import os
import re
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vblocks  # noqa: E402  pylint: disable=wrong-import-position

FAR = 1 << 30


def run(n, argv):
    """Run argv with fail-nth n; return (sites left, status, output)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.dup2(w, 1)
        os.dup2(w, 2)
        try:
            with open(f"/proc/self/task/{os.getpid()}/fail-nth", "w",
                      encoding="ascii") as f:
                f.write(str(n))
            os.execvp(argv[0], argv)
        except OSError as e:
            os.write(2, f"failnth: {argv[0]}: {e.strerror}\n".encode())
        os._exit(127)
    os.close(w)
    out = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        out += chunk
    os.close(r)
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    try:
        with open(f"/proc/{pid}/task/{pid}/fail-nth", encoding="ascii") as f:
            left = int(f.read())
    except OSError:
        left = -1
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        st = "signal-" + signal.Signals(os.WTERMSIG(status)).name
    else:
        st = str(os.WEXITSTATUS(status))
    return left, st, out.decode(errors="replace")


def cmd_count(a):
    left, st, out = run(FAR, a.cmd)
    sys.stdout.write(out)
    print(FAR - left if left > 0 else -1)
    return 0 if st == "0" else 1


def copy_ctl(ctl, dest):
    """Copy nvflushctl, its libraries and the loader to dest; return the
    command that runs the copy."""
    os.makedirs(dest, exist_ok=True)
    out = subprocess.run(["ldd", ctl], capture_output=True, text=True,
                         check=True).stdout
    loader = None
    for line in out.splitlines():
        m = re.search(r"(/\S+) \(0x", line)
        if not m:
            continue
        path = m.group(1)
        subprocess.run(["cp", "-L", path, dest], check=True)
        if "ld-linux" in path:
            loader = os.path.join(dest, os.path.basename(path))
    subprocess.run(["cp", "-L", ctl, dest], check=True)
    return [loader, "--library-path", dest,
            os.path.join(dest, os.path.basename(ctl))]


class Sweep:
    def __init__(self, a):
        self.a = a
        self.bad = 0

    def ctl(self, *args, check=False):
        r = subprocess.run([self.a.ctl, *args], capture_output=True, text=True,
                           check=False)
        if check and r.returncode:
            self.fail(f"{' '.join(args)}: exit {r.returncode}: {r.stdout}{r.stderr}")
        return r

    def fail(self, msg):
        self.bad += 1
        print(f"  INCONSISTENT {msg}")

    def exists(self):
        r = self.ctl("dev", "show", self.a.name)
        if r.returncode == 0:
            return True
        if "no such device" not in r.stderr:
            self.fail(f"dev show: exit {r.returncode}: {r.stderr.strip()}")
        return False

    def released(self):
        """No disk, no kernel thread, and the lower devices can be claimed."""
        if any(d.startswith("nvflush") for d in os.listdir("/sys/block")):
            self.fail(f"a disk is left: {os.listdir('/sys/block')}")
        comm = "nvflush-" + self.a.name
        for p in os.listdir("/proc"):
            if p.isdigit():
                try:
                    with open(f"/proc/{p}/comm", encoding="ascii") as f:
                        if f.read().strip() == comm[:15]:
                            self.fail(f"kernel thread {comm} (pid {p}) is left")
                except OSError:
                    pass
        for dev in (self.a.origin, self.a.nvm):
            try:
                os.close(os.open(dev, os.O_RDONLY | os.O_EXCL))
            except OSError as e:
                self.fail(f"{dev} is still claimed: {e.strerror}")

    def create(self):
        self.ctl("dev", "create", self.a.name, "--origin", self.a.origin,
                 "--nvm", self.a.nvm, "--format", check=True)

    def destroy(self):
        self.ctl("dev", "destroy", self.a.name, check=True)
        self.released()

    def argv(self):
        a = self.a
        return {
            "create": ["dev", "create", a.name, "--origin", a.origin,
                       "--nvm", a.nvm, "--format"],
            "destroy": ["dev", "destroy", a.name],
            "drain": ["dev", "drain", a.name, "--timeout", "60"],
            "stats": ["stats", "--json"],
        }[a.op]

    def before(self):
        if self.a.op == "destroy":
            self.create()
        elif self.a.op == "drain":
            r = self.ctl("dev", "show", self.a.name)
            if r.returncode:
                self.create()
                r = self.ctl("dev", "show", self.a.name, check=True)
            # something to destage
            disk = re.search(r"^disk: *(\S+)", r.stdout, re.M).group(1)
            fd = os.open(disk, os.O_WRONLY | os.O_DIRECT)
            buf = mmap.mmap(-1, 16 * vblocks.BS)
            os.pwritev(fd, [buf], 0)
            os.close(fd)

    def after(self, st):
        op = self.a.op
        if op == "create":
            if self.exists():
                self.destroy()
            else:
                if st == "0":
                    self.fail("create succeeded but the device does not exist")
                self.released()
        elif op == "destroy":
            if self.exists():
                if st == "0":
                    self.fail("destroy succeeded but the device exists")
                self.destroy()
            else:
                self.released()
        elif op == "drain":
            if not self.exists():
                self.fail("the device is gone after a drain")

    def classify(self, st, out):
        msg = [l for l in out.splitlines()
               if l.startswith(("nvflushctl: ", "failnth: "))]
        if st == "0":
            return "ok", out.strip().splitlines()[:1]
        if st == "1" and any(l.startswith("nvflushctl: ") for l in msg):
            return "clean-error", msg[:1]
        if st == "127" and (msg or "error while loading shared libraries" in out):
            return "exec-failed", (msg or out.strip().splitlines())[:1]
        self.bad += 1
        return "UNCLEAN", out.strip().splitlines()

    def run(self):
        a = self.a
        argv = copy_ctl(a.ctl, a.copy) + self.argv()
        # the number of sites of one run (a first run warms the caches)
        for _ in range(2):
            self.before()
            left, st, out = run(FAR, argv)
            self.after(st)
        total = FAR - left
        n = max(1, total - a.tail)
        misses = 0
        counts = {}
        while misses < 3 or n <= total:
            self.before()
            left, st, out = run(n, argv)
            injected = left == 0
            kind, text = self.classify(st, out)
            counts[kind] = counts.get(kind, 0) + 1
            print(f"N={n} injected={'yes' if injected else 'no'} status={st} "
                  f"{kind} {' / '.join(text)}")
            sys.stdout.flush()
            self.after(st)
            misses = 0 if injected else misses + 1
            n += a.stride
        if a.op == "drain":
            self.destroy()
        print(f"SWEEP op={a.op} sites={total} from={max(1, total - a.tail)} "
              f"to={n - a.stride} " +
              " ".join(f"{k}={v}" for k, v in sorted(counts.items())) +
              f" inconsistent_or_unclean={self.bad}")
        return 1 if self.bad else 0


def cmd_sweep(a):
    return Sweep(a).run()


class YnlSweep(Sweep):
    """The same checks, with requests sent from this process."""

    def __init__(self, a):
        super().__init__(a)
        sys.path.insert(0, a.ynl)
        from lib import YnlFamily, NlError  # pylint: disable=import-outside-toplevel
        schema = os.path.join(a.ynl, "../../../Documentation/netlink/genetlink.yaml")
        self.nlerror = NlError
        self.fam = YnlFamily(a.spec, schema)   # the one that gets failures
        self.clean = YnlFamily(a.spec, schema)  # checks, never injected
        self.fam.sock.settimeout(60)

    def renew(self):
        """A fresh socket for the injected family (the old one may hold
        an error or a stray reply)."""
        import socket  # pylint: disable=import-outside-toplevel
        self.fam.sock.close()
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                             self.fam.nlproto.proto_num)
        for opt in (10, 11, 12):  # NETLINK_CAP_ACK, _EXT_ACK, _GET_STRICT_CHK
            sock.setsockopt(270, opt, 1)  # SOL_NETLINK
        sock.settimeout(60)
        self.fam.sock = sock

    def exists(self):
        try:
            self.clean.do("dev-get", {"name": self.a.name})
            return True
        except self.nlerror as e:
            if e.error != errno.ENODEV:
                self.fail(f"dev-get: {e}")
            return False

    def create(self):
        try:
            self.clean.do("dev-create", self.attrs("create"))
        except self.nlerror as e:
            self.fail(f"create without injection: {e}")

    def destroy(self):
        try:
            self.clean.do("dev-destroy", {"name": self.a.name})
        except self.nlerror as e:
            self.fail(f"destroy without injection: {e}")
        self.released()

    def released(self):
        super().released()
        with open("/sys/module/nvflush/refcnt", encoding="ascii") as f:
            ref = f.read().strip()
        if ref != "0":
            self.fail(f"no device, but the module's reference count is {ref}")

    def attrs(self, op):
        a = self.a
        if op == "create":
            return {"name": a.name, "origin-path": a.origin, "nvm-path": a.nvm,
                    "format": True}
        if op == "stats":
            return {}
        return {"name": a.name}

    def before(self):
        if self.a.op == "drain":
            if not self.exists():
                self.create()
            r = self.clean.do("dev-get", {"name": self.a.name})
            fd = os.open("/dev/" + r["disk-name"], os.O_WRONLY | os.O_DIRECT)
            buf = mmap.mmap(-1, 16 * vblocks.BS)
            os.pwritev(fd, [buf], 0)
            os.close(fd)
        elif self.a.op in ("destroy", "get"):
            if not self.exists():
                self.create()

    def request(self):
        op = self.a.op
        method = {"create": "dev-create", "destroy": "dev-destroy",
                  "drain": "dev-drain", "get": "dev-get",
                  "stats": "stats-get"}[op]
        if op == "stats":
            return self.fam.dump(method, {})
        return self.fam.do(method, self.attrs(op))

    def run(self):
        a = self.a
        if a.op in ("drain", "get"):
            self.create()
        self.before()
        self.request()  # warm: every lazy import and cache
        self.after("0")
        n = 1
        misses = 0
        counts = {}
        while misses < 3:
            self.before()
            set_nth(n)
            err = None
            try:
                self.request()
                kind = "ok"
            except self.nlerror as e:
                kind, err = "errno", f"{os.strerror(e.error)}: {e.nl_msg.extack}"
            except OSError as e:
                kind, err = "socket-error", str(e)
            except MemoryError:
                kind, err = "python-memory", ""
            left = get_nth()
            set_nth(0)
            if kind in ("socket-error", "python-memory", "errno"):
                self.renew()
            injected = left == 0
            counts[kind] = counts.get(kind, 0) + 1
            print(f"N={n} injected={'yes' if injected else 'no'} {kind} {err or ''}")
            sys.stdout.flush()
            self.after("0" if kind == "ok" else "1")
            misses = 0 if injected else misses + 1
            n += a.stride
        if self.exists():
            self.destroy()
        print(f"YNL op={a.op} sites<={n - a.stride} " +
              " ".join(f"{k}={v}" for k, v in sorted(counts.items())) +
              f" inconsistent={self.bad}")
        return 1 if self.bad else 0


def cmd_ynl(a):
    return YnlSweep(a).run()


# opened once: opening it would be an allocation site itself
NTH_FD = None


def set_nth(n):
    global NTH_FD  # pylint: disable=global-statement
    if NTH_FD is None:
        NTH_FD = os.open(f"/proc/self/task/{os.getpid()}/fail-nth", os.O_RDWR)
    os.pwrite(NTH_FD, str(n).encode(), 0)


def get_nth():
    return int(os.pread(NTH_FD, 32, 0))


def cmd_io(a):
    fd = os.open(a.dev, os.O_RDWR | os.O_DIRECT)
    buf = mmap.mmap(-1, 4 * vblocks.BS)
    rbuf = mmap.mmap(-1, 4 * vblocks.BS)
    bs = vblocks.BS
    model = {}  # block -> allowed generations
    gen = 1
    bad = 0
    counts = {}

    def note(kind):
        counts[kind] = counts.get(kind, 0) + 1

    def write(block, n, g):
        buf.seek(0)
        for i in range(n):
            buf.write(vblocks.encode(block + i, g))
        os.pwritev(fd, [memoryview(buf)[: n * bs]], block * bs)

    def check_read(block, n, where):
        nonlocal bad
        got = os.preadv(fd, [memoryview(rbuf)[: n * bs]], block * bs)
        for i in range(n):
            g = vblocks.decode(rbuf[i * bs:(i + 1) * bs], block + i)
            if got != n * bs or g not in model.get(block + i, {0}):
                bad += 1
                print(f"  WRONG {where}: block {block + i} holds {g}, "
                      f"model {sorted(model.get(block + i, {0}))}")

    # known contents everywhere, on the origin; then region A again, in NVM
    fresh = a.first + a.blocks  # region B: blocks not in NVM
    for b in range(a.first, fresh + 4 * 256, 4):
        write(b, 4, gen)
        for i in range(4):
            model[b + i] = {gen}
    gen += 1
    os.fdatasync(fd)
    subprocess.run([a.ctl, "dev", "drain", a.name, "--timeout", "120"],
                   check=True, stdout=subprocess.DEVNULL)
    for b in range(a.first, fresh, 4):
        write(b, 4, gen)
        for i in range(4):
            model[b + i] = {gen}
    gen += 1
    os.fdatasync(fd)
    for what in ("write-new", "write-again", "read", "fsync"):
        n = 1
        misses = 0
        while misses < 3:
            block = a.first + (n * 4) % a.blocks
            if what == "write-new":
                block = fresh + (n * 4) % (4 * 256)
            g = gen
            gen += 1
            set_nth(n)
            err = None
            try:
                if what.startswith("write"):
                    write(block, 4, g)
                elif what == "read":
                    got = os.preadv(fd, [memoryview(rbuf)[: 4 * bs]], block * bs)
                else:
                    os.fdatasync(fd)
            except OSError as e:
                err = e
            left = get_nth()
            set_nth(0)
            injected = left == 0
            misses = 0 if injected else misses + 1
            if err is not None and err.errno not in (errno.EIO, errno.ENOMEM):
                bad += 1
                print(f"  UNCLEAN {what} N={n}: {err}")
            note(f"{what}-{'error' if err else 'ok'}")
            if what.startswith("write"):
                for i in range(4):
                    if err is None:
                        model[block + i] = {g}
                    else:
                        model[block + i] = model.get(block + i, {0}) | {g}
                check_read(block, 4, f"after {what} N={n}")
                for i in range(4):
                    model[block + i] = {vblocks.decode(rbuf[i * bs:(i + 1) * bs], block + i)}
            elif what == "read" and err is None:
                for i in range(4):
                    g2 = vblocks.decode(rbuf[i * bs:(i + 1) * bs], block + i)
                    if got != 4 * bs or g2 not in model[block + i]:
                        bad += 1
                        print(f"  WRONG read N={n}: block {block + i} holds {g2}, "
                              f"model {sorted(model[block + i])}")
            n += 1
        print(f"IO {what}: sites 1..{n - 1}")
    os.close(fd)
    print("IO " + " ".join(f"{k}={v}" for k, v in sorted(counts.items())) +
          f" bad={bad}")
    return 1 if bad else 0


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="sub", required=True)
    c = sub.add_parser("count")
    c.add_argument("cmd", nargs=argparse.REMAINDER)
    s = sub.add_parser("sweep")
    s.add_argument("op", choices=["create", "destroy", "drain", "stats"])
    s.add_argument("--ctl", required=True)
    s.add_argument("--name", required=True)
    s.add_argument("--origin", required=True)
    s.add_argument("--nvm", required=True)
    s.add_argument("--copy", required=True, help="a tmpfs directory")
    s.add_argument("--tail", type=int, default=80)
    s.add_argument("--stride", type=int, default=1)
    y = sub.add_parser("ynl")
    y.add_argument("op", choices=["create", "destroy", "drain", "get", "stats"])
    y.add_argument("--ynl", required=True)
    y.add_argument("--spec", required=True)
    y.add_argument("--name", required=True)
    y.add_argument("--origin", required=True)
    y.add_argument("--nvm", required=True)
    y.add_argument("--stride", type=int, default=1)
    i = sub.add_parser("io")
    i.add_argument("dev")
    i.add_argument("--first", type=int, default=0)
    i.add_argument("--blocks", type=int, default=64)
    i.add_argument("--ctl", required=True)
    i.add_argument("--name", required=True, help="the device, for drains")
    a = p.parse_args()
    return {"count": cmd_count, "sweep": cmd_sweep, "ynl": cmd_ynl,
            "io": cmd_io}[a.sub](a)


if __name__ == "__main__":
    sys.exit(main())
