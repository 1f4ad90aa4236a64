"""A stand-in for systemd's notification socket: binds a unix datagram socket at argv[1], prints each
datagram as one JSON line (its fields), and closes any file descriptor it carries, as systemd does, so a
sender waiting on a barrier (systemd-notify without --no-block) goes on."""
import json
import os
import socket
import struct
import sys

path = sys.argv[1]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
print(json.dumps({"listening": path}), flush=True)
fd_size = struct.calcsize("i")
while True:
    data, anc, _flags, _addr = sock.recvmsg(65536, socket.CMSG_SPACE(16 * fd_size))
    fds = []
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds += struct.unpack(f"{len(payload) // fd_size}i", payload[: len(payload) - len(payload) % fd_size])
    for fd in fds:
        os.close(fd)
    fields = [f for f in data.decode("utf-8", "replace").split("\n") if f]
    print(json.dumps({"fields": fields, "fds": len(fds)}), flush=True)
