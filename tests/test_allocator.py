"""labkit.allocator: a kernel gives freed buffers back to the operating system.

Each check runs in a fresh interpreter: allocator settings are per process and for good.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="glibc's mallopt only",
)

# After an 8 MiB block is freed, glibc serves 1 MiB requests from the heap; 4 KiB objects
# allocated between them keep the heap from shrinking when the 1 MiB buffers are freed.
_FRAGMENT = r"""
import sys, psutil
if sys.argv[1] == "tune":
    from labkit.allocator import return_freed_memory_promptly
    print(return_freed_memory_promptly(), return_freed_memory_promptly())
p = psutil.Process()
big = bytearray(8 * 2**20); del big
base = p.memory_info().rss
keep, buffers = [], []
for _ in range(64):
    buffers.append(bytearray(2**20))
    keep.append(bytes(4096))
grown = p.memory_info().rss
del buffers
print(round((grown - base) / 2**20), round((p.memory_info().rss - base) / 2**20))
"""


def _run(mode: str, **env: str) -> list[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    environ.update(env)
    done = subprocess.run(
        [sys.executable, "-c", _FRAGMENT, mode], capture_output=True, text=True, env=environ,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_freed_buffers_stay_resident_without_it_and_go_back_with_it():
    grown, kept = map(int, _run("plain"))
    assert grown >= 60 and kept >= 60  # glibc's dynamic threshold: 64 MiB freed, still resident
    applied, again, grown, kept = _run("tune")
    assert (applied, again) == ("True", "True")  # idempotent
    assert int(grown) >= 60 and int(kept) <= 4


def test_a_process_owner_s_own_malloc_settings_are_left_alone():
    applied, _, _, _ = _run("tune", MALLOC_TRIM_THRESHOLD_="1048576")
    assert applied == "False"


def test_importing_labkit_in_ipython_applies_it_and_elsewhere_does_not():
    code = "import sys; {pre}import labkit, labkit.allocator as a; print(a._applied)"
    plain = subprocess.run(
        [sys.executable, "-c", code.format(pre="")], capture_output=True, text=True, timeout=60
    )
    kernel = subprocess.run(
        [sys.executable, "-c", code.format(pre="import IPython; ")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert plain.stdout.strip() == "None", plain.stderr
    assert kernel.stdout.strip() == "True", kernel.stderr
