"""Give freed memory back to the operating system promptly, in a learner's kernel.

Why: a kernel that draws one timeline figure kept about 40 MB it no longer used
(``benchmarks/bench_learner_memory.py``: lesson 01 ended at 238 MB resident, 196 MB with
this module). glibc's ``malloc`` serves requests of 128 KiB and more with ``mmap`` and
unmaps them on ``free``, but when such a block is freed it raises that threshold to the
block's size ("dynamic mmap threshold", ``mallopt(3)``: ``M_MMAP_THRESHOLD``), up to 32
MiB. Matplotlib's Agg canvas and PNG encoder allocate and free buffers of several MiB per
figure, so after the first figure those buffers come from the heap instead, and the
trimming threshold rises with it (twice the mmap threshold), so the freed heap stays
resident.

Setting the thresholds explicitly turns the dynamic adjustment off (``mallopt(3)``: "the
dynamic adjustment ... is disabled if any of M_TRIM_THRESHOLD, M_TOP_PAD,
M_MMAP_THRESHOLD, or M_MMAP_MAX is set"). This module sets them to glibc's own defaults
(128 KiB), which is what ``MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072``
in the environment would do, but from inside the kernel, so a laptop, Binder and a hub
all get it. Large buffers are then mapped and unmapped each time: a few system calls per
figure, far below a figure's drawing time (``benchmarks/bench_lab.py`` checks the Run
click).

Only glibc has ``mallopt`` with these meanings; elsewhere (macOS, musl) nothing is done.
A process whose environment already sets either variable is left as its owner chose.
Hand-written: no maintained library sets allocator options (this is six lines of
``ctypes``).
"""

from __future__ import annotations

import ctypes
import os
import platform

#: ``<malloc.h>``: parameter numbers of ``mallopt``.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: glibc's default for both thresholds (``DEFAULT_MMAP_THRESHOLD_MIN``), in bytes.
THRESHOLD_BYTES = 128 * 1024
#: Environment variables through which a process owner already chose (``mallopt(3)``).
OWNER_SETTINGS = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_")

_applied: bool | None = None


def return_freed_memory_promptly() -> bool:
    """Fix glibc's mmap and trim thresholds at 128 KiB; True if they are set now.

    Idempotent. Returns False where it does nothing: not glibc, or the environment
    already sets the thresholds.
    """
    global _applied
    if _applied is not None:
        return _applied
    _applied = False
    if platform.libc_ver()[0] != "glibc" or any(name in os.environ for name in OWNER_SETTINGS):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success
    _applied = bool(mallopt(M_MMAP_THRESHOLD, THRESHOLD_BYTES)) and bool(
        mallopt(M_TRIM_THRESHOLD, THRESHOLD_BYTES)
    )
    return _applied
