#!/usr/bin/env python3
"""Subscribe to the nvflush events multicast group with the kernel's YNL
library (tools/net/ynl from linux-source) and print each event as a JSON
line as it arrives, for the VM suite.

  ynl_events.py YNLDIR SPEC READY STOP
Creates the file READY once subscribed; returns when the file STOP exists
(checked every 0.1 s), or after 300 s.
"""
import json
import os
import sys
import time


def main():
    ynldir, spec, ready, stop = sys.argv[1:5]
    sys.path.insert(0, ynldir)
    from lib import YnlFamily  # pylint: disable=import-outside-toplevel

    schema = os.path.join(ynldir, "../../../Documentation/netlink/genetlink.yaml")
    ynl = YnlFamily(spec, schema)
    ynl.ntf_subscribe("events")
    open(ready, "w", encoding="ascii").close()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        done = os.path.exists(stop)
        ynl.check_ntf()
        while ynl.async_msg_queue:
            msg = ynl.async_msg_queue.pop(0)
            print(json.dumps(msg["msg"]), flush=True)
        if done:
            return 0
        time.sleep(0.1)
    return 1


if __name__ == "__main__":
    sys.exit(main())
