#!/usr/bin/env python3
"""Runs a command under a seccomp filter that makes io_uring_setup (syscall 425 on x86_64 and arm64) fail.

usage: seccomp_exec.py [--errno N] -- command [args...]

Sets PR_SET_NO_NEW_PRIVS, installs the filter with prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER), then execs the command,
which inherits the filter: io_uring_setup returns -1 with errno N (default 1, EPERM); every other syscall is allowed.
"""
import ctypes
import os
import platform
import struct
import sys

PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
BPF_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
BPF_JEQ_K = 0x15     # BPF_JMP | BPF_JEQ | BPF_K
BPF_RET_K = 0x06     # BPF_RET | BPF_K
NR_IO_URING_SETUP = 425
AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}


def main():
    args = sys.argv[1:]
    err = 1
    if args[:1] == ["--errno"]:
        err = int(args[1])
        args = args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        sys.exit("usage: seccomp_exec.py [--errno N] -- command [args...]")
    arch = AUDIT_ARCH.get(platform.machine())
    if arch is None:
        sys.exit("seccomp_exec.py: unsupported machine " + platform.machine())

    program = [
        (BPF_LD_W_ABS, 0, 0, 4),                            # A = seccomp_data.arch
        (BPF_JEQ_K, 1, 0, arch),                            # our arch: go on; another: allow
        (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
        (BPF_LD_W_ABS, 0, 0, 0),                            # A = seccomp_data.nr
        (BPF_JEQ_K, 0, 1, NR_IO_URING_SETUP),               # io_uring_setup: fail it
        (BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | (err & 0xFFFF)),
        (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
    ]
    code = b"".join(struct.pack("=HBBI", *insn) for insn in program)  # struct sock_filter, 8 bytes each
    filters = ctypes.create_string_buffer(code, len(code))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(program), ctypes.addressof(filters))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    libc.prctl.restype = ctypes.c_int
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        sys.exit("prctl(PR_SET_NO_NEW_PRIVS) failed: " + os.strerror(ctypes.get_errno()))
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.cast(ctypes.byref(fprog), ctypes.c_void_p), 0, 0) != 0:
        sys.exit("prctl(PR_SET_SECCOMP) failed: " + os.strerror(ctypes.get_errno()))
    sys.stdout.flush()
    os.execvp(args[0], args)


if __name__ == "__main__":
    main()
