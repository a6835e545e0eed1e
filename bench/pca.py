"""The Python side of chapter 1's PCA workload for `cargo xtask bench-compare`.

The Rust bench (`cargo bench -p chapter-01 --bench pca` with
DRL_BENCH_DUMP=DIR) writes the data it analyses, X (20000 x 256, samples as
rows: ten planted spikes plus noise), and what our `pca` found: the top-10
variances (eigenvalues of the 1/N covariance) and their directions (256 x 10).

Here the same top-10 PCA is computed the ways a Python user would, and each
answer is checked against ours before it is timed:

* NumPy: center, form the covariance X_c^T X_c / N, and take LAPACK's
  symmetric eigendecomposition (numpy.linalg.eigh) of the 256 x 256 matrix;
* scikit-learn's PCA with svd_solver="covariance_eigh" (the same method
  inside scikit-learn, for N much larger than D); its variances use N - 1
  and are rescaled to 1/N for the check.

Each method's variances must equal ours to 1e-9 (relative) and the sine of
the largest principal angle between its top-10 subspace and ours must be
below 1e-6.

Prints one JSON line: the fastest method whose check passed, its median time,
and every method's result.

Run: python pca.py --check DIR [--threads N] [--repeat R]
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path


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
    ap.add_argument("--repeat", type=int, default=11)
    args = ap.parse_args()
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy as np
    import sklearn
    from sklearn.decomposition import PCA
    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads)
    x = np.load(args.check / "X.npy")
    our_var = np.load(args.check / "variances.npy")
    our_u = np.load(args.check / "components.npy")
    n, k = x.shape[0], our_var.shape[0]

    def numpy_eigh():
        xc = x - x.mean(axis=0)
        c = xc.T @ xc / n
        w, v = np.linalg.eigh(c)
        return w[::-1][:k], v[:, ::-1][:, :k]

    def sklearn_pca():
        p = PCA(n_components=k, svd_solver="covariance_eigh").fit(x)
        return p.explained_variance_ * (n - 1) / n, p.components_.T

    methods = {}
    for name, fn in [
        (f"NumPy {np.__version__} covariance + eigh", numpy_eigh),
        (f"scikit-learn {sklearn.__version__} PCA (covariance_eigh)", sklearn_pca),
    ]:
        (var, u), t = timed(fn, args.repeat)
        rel = float(np.max(np.abs(var - our_var) / our_var))
        # Largest principal angle: sine = spectral norm of (I - U U^T) V.
        sine = float(np.linalg.norm(u - our_u @ (our_u.T @ u), 2))
        methods[name] = {"median_s": t, "max_rel_err": rel, "subspace_sine": sine,
                         "ok": bool(rel <= 1e-9 and sine <= 1e-6)}

    passed = {k_: v for k_, v in methods.items() if v["ok"]}
    best = min(passed, key=lambda k_: passed[k_]["median_s"]) if passed else None
    out = {
        "workload": "pca 256 x 20000, top 10",
        "threads": args.threads,
        "baseline": best,
        "version": "",
        "median_s": passed[best]["median_s"] if best else None,
        "check": {
            "ok": best is not None and all(v["ok"] for v in methods.values()),
            "max_rel_err": max(v["max_rel_err"] for v in methods.values()),
            "tolerance": 1e-9,
        },
        "methods": methods,
    }
    print(json.dumps(out))
    return 0 if out["check"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
