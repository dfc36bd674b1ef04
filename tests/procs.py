"""Looking at processes through /proc, for the tests that kill them (Linux only)."""
from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path


def stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, process group) of a live process; None when gone or a zombie."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()  # the name, in parentheses, may hold spaces
    state, ppid, pgrp = fields[0], int(fields[1]), int(fields[2])
    return None if state in ("Z", "X") else (state, ppid, pgrp)


def command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def live_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit() and stat(int(name))]


def descendants(root: int) -> dict[int, str]:
    """Every live process under ``root`` (not itself): pid -> command line."""
    children: dict[int, list[int]] = {}
    for pid in live_pids():
        info = stat(pid)
        if info:
            children.setdefault(info[1], []).append(pid)
    found, todo = {}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found[child] = command(child)
            todo.append(child)
    return found


def in_groups(groups: set[int]) -> dict[int, str]:
    """Live processes whose process group is one of ``groups``."""
    out = {}
    for pid in live_pids():
        info = stat(pid)
        if info and info[2] in groups:
            out[pid] = command(pid)
    return out


def wait_until(condition, timeout: float, every: float = 0.1):
    """Poll ``condition()`` until it returns something true; return it (or the last value)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


def children_left(within: float = 10):
    """The worker processes this process started (multiprocessing) still running after
    ``within`` seconds of waiting for them to end."""
    deadline = time.monotonic() + within
    while (left := multiprocessing.active_children()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left
