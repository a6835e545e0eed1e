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

import math
import sys

from harness import arguments, report, time_if_ok


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


def main():
    args = arguments(repeat=7)
    import json

    import numpy as np
    import sklearn
    from sklearn.decomposition import sparse_encode

    meta = json.loads((args.check / "lasso.json").read_text())
    a = np.load(args.check / "A.npy")
    y = np.load(args.check / "Y.npy")
    lam, f_star, iters, gap = meta["lambda"], meta["f_star"], meta["iters"], meta["gap"]

    methods = {}

    def record(name, fn, ok, detail):
        """Checks one untimed answer, then times `fn` only if it passed."""
        f = objective(a, y, fn(), lam)
        passed = bool(math.isfinite(f) and ok(f))
        methods[name] = {"median_s": time_if_ok(fn, passed, args.repeat), "objective": f,
                         "relative_gap": (f - f_star) / f_star, "ok": passed, "check": detail}

    record(f"scikit-learn {sklearn.__version__} sparse_encode (coordinate descent)",
           lambda: sparse_encode(y.T, a.T, algorithm="lasso_cd", alpha=lam, n_jobs=1).T,
           lambda f: (f - f_star) / f_star <= gap, f"relative gap to F* <= {gap:g}")
    theirs_vs_ours = lambda f: abs(f - meta["fista_objective"]) / abs(meta["fista_objective"])  # noqa: E731
    record(f"NumPy {np.__version__} batched FISTA ({iters} iterations)",
           lambda: fista(np, a, y, lam, iters),
           lambda f: theirs_vs_ours(f) <= 1e-9, "objective equal to ours within 1e-9 (relative)")
    fista_key = next(k for k in methods if "FISTA" in k)
    return report("lasso 256x512, 1000 signals", args.threads, methods,
                  theirs_vs_ours(methods[fista_key]["objective"]), 1e-9)

if __name__ == "__main__":
    sys.exit(main())
