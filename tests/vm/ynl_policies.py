#!/usr/bin/env python3
"""Set or delete many cgroup policies in one process with the kernel's YNL
library (tools/net/ynl from linux-source), for the VM suite.

  ynl_policies.py YNLDIR SPEC set DEV PATH... (paths read from stdin if none)
  ynl_policies.py YNLDIR SPEC del DEV PATH...
  ynl_policies.py YNLDIR SPEC count DEV
Prints the number of requests that succeeded (or policies counted).
"""
import os
import sys


def main():
    ynldir, spec, action, dev = sys.argv[1:5]
    sys.path.insert(0, ynldir)
    from lib import YnlFamily  # pylint: disable=import-outside-toplevel

    schema = os.path.join(ynldir, "../../../Documentation/netlink/genetlink.yaml")
    ynl = YnlFamily(spec, schema)
    if action == "count":
        print(len(ynl.dump("policy-get", {"dev-name": dev})))
        return 0
    paths = sys.argv[5:] or [line.strip() for line in sys.stdin if line.strip()]
    done = 0
    for path in paths:
        if action == "set":
            ynl.do("policy-set", {"dev-name": dev, "cgroup-path": path, "mode": "bypass"})
        else:
            ynl.do("policy-del", {"dev-name": dev, "cgroup-path": path})
        done += 1
    print(done)
    return 0


if __name__ == "__main__":
    sys.exit(main())
