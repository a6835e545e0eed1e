"""The Python side of chapter 1's PCA workload for `cargo xtask bench-compare`.

The Rust bench (`cargo bench -p chapter-01 --bench pca` with
DRL_BENCH_DUMP=DIR) writes the data it analyses, X (20000 x 256, samples as
rows: ten planted spikes plus noise), and what our `pca` found: the top-10
variances (eigenvalues of the 1/N covariance) and their directions (256 x 10).

Here the same top-10 PCA is computed the ways a Python user would, and each
answer is checked against ours (one untimed call) before it is timed:

* NumPy: center a copy of the data, form the covariance X_c^T X_c / N
  (NumPy hands `xc.T @ xc` to BLAS's symmetric rank-k update), and take
  LAPACK's symmetric eigendecomposition (numpy.linalg.eigh);
* scikit-learn's PCA with svd_solver="covariance_eigh", which does not
  center the data: it forms X^T X and subtracts N mu mu^T (cheaper, less
  accurate when the mean is large against the spread); its variances use
  N - 1 and are rescaled to 1/N for the check.

Each method's mean and variances must equal ours to 1e-9 (relative; the
mean relative to its largest entry) and the sine of the largest principal
angle between its top-10 subspace and ours must be below 1e-6. Both of our
layouts (the transposed view and the row-major copy) are checked.

Prints one JSON line: the fastest method whose check passed, its median time,
and every method's result.

Run: python pca.py --check DIR [--threads N] [--repeat R]
"""

import sys

from harness import arguments, report, time_if_ok


def main():
    args = arguments(repeat=11)
    import numpy as np
    import sklearn
    from sklearn.decomposition import PCA

    x = np.load(args.check / "X.npy")
    ours = {layout: (np.load(args.check / f"mean_{layout}.npy"),
                     np.load(args.check / f"variances_{layout}.npy"),
                     np.load(args.check / f"components_{layout}.npy"))
            for layout in ("transposed", "row_major")}
    n, k = x.shape[0], ours["transposed"][1].shape[0]

    def numpy_eigh():
        mu = x.mean(axis=0)
        xc = x - mu
        c = xc.T @ xc / n
        w, v = np.linalg.eigh(c)
        return mu, w[::-1][:k], v[:, ::-1][:, :k]

    def sklearn_pca():
        p = PCA(n_components=k, svd_solver="covariance_eigh").fit(x)
        return p.mean_, p.explained_variance_ * (n - 1) / n, p.components_.T

    def check(answer):
        """The largest disagreement with either of our layouts (NaN anywhere is a failure)."""
        mu, var, u = answer
        worst_rel, worst_sine = 0.0, 0.0
        for our_mu, our_var, our_u in ours.values():
            parts = [np.abs(mu - our_mu) / np.max(np.abs(our_mu)), np.abs(var - our_var) / np.abs(our_var)]
            rel = float(np.max(np.concatenate(parts)))
            # Largest principal angle: sine = spectral norm of (I - U U^T) V.
            sine = float(np.linalg.norm(u - our_u @ (our_u.T @ u), 2))
            if not (np.isfinite(rel) and np.isfinite(sine)):
                return float("inf"), float("inf")
            worst_rel, worst_sine = max(worst_rel, rel), max(worst_sine, sine)
        return worst_rel, worst_sine

    methods = {}
    for name, fn in [
        (f"NumPy {np.__version__} covariance + eigh", numpy_eigh),
        (f"scikit-learn {sklearn.__version__} PCA (covariance_eigh)", sklearn_pca),
    ]:
        rel, sine = check(fn())
        ok = rel <= 1e-9 and sine <= 1e-6
        methods[name] = {"median_s": time_if_ok(fn, ok, args.repeat), "max_rel_err": rel,
                         "subspace_sine": sine, "ok": bool(ok)}

    worst = max(v["max_rel_err"] for v in methods.values())
    return report("pca 256 x 20000, top 10", args.threads, methods, worst, 1e-9)

if __name__ == "__main__":
    sys.exit(main())
