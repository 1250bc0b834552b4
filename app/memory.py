"""Give freed image memory back to the system (glibc), so resident memory follows the volumes held.

glibc's ``malloc`` serves a large block from ``mmap`` and returns it on
``free``, but after freeing one it raises its threshold for using ``mmap`` to
that block's size (up to 32 MB): later volumes of 5-32 MB (a display volume, a
slice's temporaries in the loader's threads) then come from the heap arenas,
whose freed holes stay resident. Measured on a full-scale participant at
0.85 mm (``bench/viewer.py --scale full``): 250 MB more resident memory than
the volumes held. A fixed threshold of 1 MiB keeps every image-sized block on
``mmap``. Elsewhere (macOS, Windows, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform

#: ``M_MMAP_THRESHOLD`` of glibc's ``mallopt``; setting it also stops the dynamic raise.
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 1 << 20

_done: list[bool] = []


def return_freed_memory() -> bool:
    """Fix glibc's mmap threshold at 1 MiB (once per process); True when it was set."""
    if _done:
        return _done[0]
    ok = False
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            ok = bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
        except (OSError, AttributeError):
            ok = False
    _done.append(ok)
    return ok
