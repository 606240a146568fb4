#!/usr/bin/python3
"""Send one nvflush dev-create request with raw bytes as the name.

  nlraw.py dev-create NAME_HEX ORIGIN NVM

The name is given in hex so that bytes no client would send (non-ASCII,
invalid UTF-8) reach the kernel's own checks: nvflushctl refuses them
itself and the YNL library encodes strings as ASCII. Prints the kernel's
extended ACK message; exit 0 on success, 1 on an error from the kernel.
Attribute numbers: kmod/uapi/linux/nvflush.h.
"""
import socket
import struct
import sys

NETLINK_GENERIC = 16
NETLINK_EXT_ACK = 11
SOL_NETLINK = 270
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
NLM_F_ACK_TLVS = 0x200
NLMSGERR_ATTR_MSG = 1
NVFLUSH_CMD_DEV_CREATE = 1
NVFLUSH_A_DEV_NAME, NVFLUSH_A_DEV_ORIGIN_PATH, NVFLUSH_A_DEV_NVM_PATH = 1, 2, 3


def attr(typ, data):
    n = 4 + len(data)
    return struct.pack("HH", n, typ) + data + b"\0" * (-n % 4)


def attrs(buf):
    out, off = {}, 0
    while off + 4 <= len(buf):
        n, typ = struct.unpack_from("HH", buf, off)
        if n < 4:
            break
        out[typ & 0x3FFF] = buf[off + 4:off + n]
        off += (n + 3) & ~3
    return out


def request(sock, family, cmd, payload):
    """Send CMD with an ACK; return (errno or 0, extack message)."""
    body = struct.pack("BBH", cmd, 1, 0) + payload
    sock.send(struct.pack("IHHII", 16 + len(body), family,
                          NLM_F_REQUEST | NLM_F_ACK, 1, 0) + body)
    while True:
        msg = sock.recv(65536)
        n, typ, flags = struct.unpack_from("IHH", msg)
        if typ != NLMSG_ERROR:
            continue  # a reply before the ACK
        err = struct.unpack_from("i", msg, 16)[0]
        text = ""
        if flags & NLM_F_ACK_TLVS:
            inner = struct.unpack_from("I", msg, 20)[0]
            skip = 20 + (16 if err == 0 else inner)
            text = attrs(msg[skip:n]).get(NLMSGERR_ATTR_MSG, b"")
            text = text.rstrip(b"\0").decode(errors="replace")
        return err, text


def main():
    if len(sys.argv) != 5 or sys.argv[1] != "dev-create":
        sys.exit(__doc__)
    name = bytes.fromhex(sys.argv[2]) + b"\0"
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    sock.bind((0, 0))
    body = struct.pack("BBH", CTRL_CMD_GETFAMILY, 1, 0) + \
        attr(CTRL_ATTR_FAMILY_NAME, b"nvflush\0")
    sock.send(struct.pack("IHHII", 16 + len(body), GENL_ID_CTRL,
                          NLM_F_REQUEST, 1, 0) + body)
    reply = sock.recv(65536)
    if struct.unpack_from("H", reply, 4)[0] == NLMSG_ERROR:
        sys.exit("nlraw: the nvflush family is not registered")
    family = struct.unpack("H", attrs(reply[20:])[CTRL_ATTR_FAMILY_ID][:2])[0]
    payload = attr(NVFLUSH_A_DEV_NAME, name) + \
        attr(NVFLUSH_A_DEV_ORIGIN_PATH, sys.argv[3].encode() + b"\0") + \
        attr(NVFLUSH_A_DEV_NVM_PATH, sys.argv[4].encode() + b"\0")
    err, text = request(sock, family, NVFLUSH_CMD_DEV_CREATE, payload)
    if err:
        print(f"nlraw: error {-err}: {text}")
        return 1
    print("nlraw: created")
    return 0


if __name__ == "__main__":
    sys.exit(main())
