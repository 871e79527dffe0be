"""The process table the reaper reads after every resolver step: each process's ids as the kernel has them,
whatever name the process gave itself."""

from __future__ import annotations

import os
import subprocess
import sys

from deploycheck.resolve import reaper

# The child names itself like a status line, then waits for its stdin to close.
CHILD = r"""
import ctypes, sys
ctypes.CDLL(None).prctl(15, b"x\nUid:\t7 7 7 7\n", 0, 0, 0)
print("named", flush=True)
sys.stdin.read()
"""


def test_a_process_named_like_a_status_line_is_read_with_its_own_ids():
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "named\n"
        (found,) = [p for p in reaper.processes() if p.pid == child.pid]
        assert found.uids == (*os.getresuid(), os.getuid())
        assert found.gids == (*os.getresgid(), os.getgid())
        assert found.ppid == os.getpid() and found.threads == 1 and not found.dead
        assert 7 not in found.uids and child.pid not in {p.pid for p in reaper.owned_by(7)}
    finally:
        child.communicate("")


def test_our_own_entry_matches_what_the_kernel_says():
    (me,) = [p for p in reaper.processes() if p.pid == os.getpid()]
    assert me.ppid == os.getppid() and me.state in ("R", "S")
    with open(f"/proc/{os.getpid()}/stat", "rb") as f:
        assert me.started == int(f.read().rsplit(b")", 1)[1].split()[19])


def test_a_status_line_inside_an_unescaped_name_is_not_taken_for_the_real_one():
    """Kernels escape a newline in the name; were one not to, the kernel's own line still comes last."""
    status = b"Name:\tx\nUid:\t7 7 7 7\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
    assert reaper._field(status, b"Uid").split() == [b"0"] * 4
    assert reaper._field(status, b"Threads", b"1") == b"1"
