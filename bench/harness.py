"""What every mirror under bench/ shares: its command line, the thread limits
(set before NumPy is imported, so that BLAS reads them), the timing, and the
JSON line that `cargo xtask bench-compare` reads."""

import argparse
import json
import math
import os
import statistics
import time
from pathlib import Path


def arguments(repeat, extra=()):
    """--check DIR, --threads N, --repeat R, and `extra` (name, kwargs) pairs;
    sets the BLAS thread variables before anything imports NumPy."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", required=True, type=Path)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=repeat)
    for name, kwargs in extra:
        ap.add_argument(name, **kwargs)
    args = ap.parse_args()
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads)
    return args


def timed(fn, repeat):
    """(last result, median seconds) of `repeat` calls after one untimed warm-up."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


def time_if_ok(fn, ok, repeat):
    """The median time of `fn` if its answer passed the check, else None (never time wrong work)."""
    return timed(fn, repeat)[1] if ok else None


def report(workload, threads, methods, max_rel_err, tolerance):
    """Prints the JSON line: the fastest method whose check passed, and every method."""
    passed = {k: v for k, v in methods.items() if v["ok"]}
    best = min(passed, key=lambda k: passed[k]["median_s"]) if passed else None
    # JSON has no NaN: a non-finite error is reported as null (and fails the check).
    if max_rel_err is not None and not math.isfinite(max_rel_err):
        max_rel_err = None
    for v in methods.values():
        if v.get("max_rel_err") is not None and not math.isfinite(v["max_rel_err"]):
            v["max_rel_err"] = None
    out = {
        "workload": workload,
        "threads": threads,
        "baseline": best,
        "version": "",
        "median_s": passed[best]["median_s"] if best else None,
        "check": {
            "ok": best is not None and all(v["ok"] for v in methods.values()),
            "max_rel_err": max_rel_err,
            "tolerance": tolerance,
        },
        "methods": methods,
    }
    print(json.dumps(out))
    return 0 if out["check"]["ok"] else 1
