"""Small measuring tools shared by the benchmarks: clocks, percentiles, peak memory, the result record."""

import resource
import time
from collections.abc import Callable

import numpy as np


def seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def summary(samples: list[float]) -> dict:
    """Median and 95th percentile (linear interpolation, as numpy.percentile) of timings in seconds."""
    values = np.array(samples)
    return {
        "n": len(samples),
        "median": float(np.median(values)),
        "p95": float(np.percentile(values, 95)),
        "min": float(values.min()),
        "max": float(values.max()),
    }


def peak_rss_mb() -> float:
    """The highest resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> None:
    """Start the peak (VmHWM) again from the current resident memory (Linux: /proc/self/clear_refs)."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def peak_rss_since_reset_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
