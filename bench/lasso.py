"""The Python side of chapter 2's LASSO workload for `cargo xtask bench-compare`.

The Rust bench (`cargo bench -p chapter-02 --bench fista` with
DRL_BENCH_DUMP=DIR) writes the problem it solves: A (256 x 512, unit columns),
Y (256 x 1000 signals), lambda, the certified optimum F* of the total objective
sum_i 1/2 ||y_i - A x_i||^2 + lambda ||x_i||_1, the number of FISTA iterations
that reaches a relative gap of 1e-6, and the objective our FISTA reaches there.

Here the same problem is solved by what a Python user would call, and each
answer is checked before it is timed:

* scikit-learn's coordinate descent, as `sparse_encode(Y^T, A^T,
  algorithm="lasso_cd", alpha=lambda)` (its alpha is our lambda: it fits
  Lasso(alpha / n_features) on each signal, and Lasso scales the squared error
  by 1 / (2 n_features)); its answer must reach the same relative gap;
* batched FISTA in numpy, the same iterations as ours, whose objective must
  agree with ours to 1e-9 (same problem, same algorithm).

Prints one JSON line: the fastest method whose check passed, its median time,
and every method's result.

Run: python lasso.py --check DIR [--threads N] [--repeat R]
"""

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path


def objective(a, y, x, lam):
    """Total LASSO objective; codes x are columns (512 x signals)."""
    r = y - a @ x
    return 0.5 * float((r * r).sum()) + lam * float(abs(x).sum())


def fista(np, a, y, lam, iters):
    """Batched FISTA from x = 0 with step 1/L, L = ||A||_2^2 (Beck and Teboulle)."""
    lip = float(np.linalg.norm(a, 2) ** 2)
    gram, aty = a.T @ a, a.T @ y
    x = np.zeros((a.shape[1], y.shape[1]))
    v, t = x.copy(), 1.0
    for _ in range(iters):
        z = v - (gram @ v - aty) / lip
        x_new = np.sign(z) * np.maximum(np.abs(z) - lam / lip, 0.0)
        t_new = (1.0 + math.sqrt(1.0 + 4.0 * t * t)) / 2.0
        v = x_new + ((t - 1.0) / t_new) * (x_new - x)
        x, t = x_new, t_new
    return x


def timed(fn, repeat):
    fn()  # warm-up, untimed
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", required=True, type=Path)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy as np
    import sklearn
    from sklearn.decomposition import sparse_encode
    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads)
    meta = json.loads((args.check / "lasso.json").read_text())
    a = np.load(args.check / "A.npy")
    y = np.load(args.check / "Y.npy")
    lam, f_star, iters, gap = meta["lambda"], meta["f_star"], meta["iters"], meta["gap"]

    methods = {}

    def record(name, x, median, ok, detail):
        f = objective(a, y, x, lam)
        methods[name] = {"median_s": median, "objective": f, "relative_gap": (f - f_star) / f_star, "ok": ok(f), "check": detail}

    x, t = timed(lambda: sparse_encode(y.T, a.T, algorithm="lasso_cd", alpha=lam, n_jobs=1).T, args.repeat)
    record(f"scikit-learn {sklearn.__version__} sparse_encode (coordinate descent)", x, t,
           lambda f: math.isfinite(f) and (f - f_star) / f_star <= gap, f"relative gap to F* <= {gap:g}")

    x, t = timed(lambda: fista(np, a, y, lam, iters), args.repeat)
    theirs_vs_ours = lambda f: abs(f - meta["fista_objective"]) / abs(meta["fista_objective"])  # noqa: E731
    record(f"NumPy {np.__version__} batched FISTA ({iters} iterations)", x, t,
           lambda f: math.isfinite(f) and theirs_vs_ours(f) <= 1e-9, "objective equal to ours within 1e-9 (relative)")

    passed = {k: v for k, v in methods.items() if v["ok"]}
    best = min(passed, key=lambda k: passed[k]["median_s"]) if passed else None
    fista_key = next(k for k in methods if "FISTA" in k)
    out = {
        "workload": "lasso 256x512, 1000 signals",
        "threads": args.threads,
        "baseline": best,
        "version": "",
        "median_s": passed[best]["median_s"] if best else None,
        "check": {
            "ok": best is not None and all(v["ok"] for v in methods.values()),
            "max_rel_err": theirs_vs_ours(methods[fista_key]["objective"]),
            "tolerance": 1e-9,
        },
        "methods": methods,
    }
    print(json.dumps(out))
    return 0 if out["check"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
