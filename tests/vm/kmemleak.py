#!/usr/bin/env python3
"""Read kmemleak's report and sort it into leaks that count and one leak of
the kernel itself that a failslab run triggers and that is not the module's.

  kmemleak.py [--report FILE] [--mention WORD] [--save FILE]

Reads FILE (default /sys/kernel/debug/kmemleak), splits it into its
"unreferenced object" records and prints every record that counts. With
--mention only records that contain WORD count (e.g. nvflush). --save writes
the whole report to FILE when anything was reported at all. The last line
is always "kmemleak: N counted, M known kernel leak(s)" and the exit status is 1 when
N > 0.

The known kernel leak. In Linux 6.12 (mm/slub.c, sysfs_slab_add()) a failed
kobject_init_and_add() -- or a failed sysfs_create_group() after it -- is
not followed by kobject_put(); do_kmem_cache_create() then frees the cache
with kmem_cache_free() and the kobject's name, which kobject_set_name_vargs()
allocated, is never freed. The module reaches it through bioset_init(),
which creates the bio slab cache ("bio-<size>") when no other bio set of
that size exists, so failing an allocation inside that registration during
a device create leaks the 8 to 16 bytes of the cache's name. A record is
this leak only when its allocation backtrace runs kobject_set_name_vargs ->
kobject_init_and_add -> sysfs_slab_add, in that order; anything else counts.
"""
import argparse
import re
import sys

KNOWN = ("kobject_set_name_vargs", "kobject_init_and_add", "sysfs_slab_add")


def records(text):
    """Split a kmemleak report into its records (one string each)."""
    parts = re.split(r"(?m)^(?=unreferenced object )", text)
    return [p for p in parts if p.startswith("unreferenced object ")]


def backtrace(record):
    """The function names of a record's backtrace, innermost first."""
    lines = record.split("backtrace", 1)[1].splitlines()[1:] \
        if "backtrace" in record else []
    return [ln.strip().split("+", 1)[0] for ln in lines if ln.strip()]


def known_kernel(record):
    """True when the record is the sysfs_slab_add() name leak."""
    frames = backtrace(record)
    pos = 0
    for fn in KNOWN:
        try:
            pos = frames.index(fn, pos) + 1
        except ValueError:
            return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--report", default="/sys/kernel/debug/kmemleak")
    ap.add_argument("--mention", default="")
    ap.add_argument("--save", default="")
    args = ap.parse_args()
    with open(args.report, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if args.save and text.strip():
        with open(args.save, "w", encoding="utf-8") as f:
            f.write(text)
    counted = known = 0
    for rec in records(text):
        if args.mention and args.mention not in rec:
            continue
        if known_kernel(rec):
            known += 1
            continue
        counted += 1
        sys.stdout.write(rec)
    print(f"kmemleak: {counted} counted, {known} known kernel leak(s)")
    return 1 if counted else 0


if __name__ == "__main__":
    sys.exit(main())
