"""The Python side of chapter 4's rate-reduction workload for `cargo xtask bench-compare`.

The Rust bench (`cargo bench -p chapter-04 --bench rate` with
DRL_BENCH_DUMP=DIR) writes the features Z (d x m = 128 x 2000, unit columns),
their labels (10 equal classes), eps^2, and what our `rates_with_grad`
computed: R, R_c and the gradient of Delta R = R - R_c with respect to Z.

Here the same value and gradient are computed the ways a Python user would,
and each answer is checked against ours (one untimed call) before it is
timed:

* NumPy in closed form: R = 1/2 logdet(I + a Z Z^T) from a Cholesky factor,
  d/dZ = a (I + a Z Z^T)^-1 Z, and the same per class on its columns with
  weight m_j / m (scipy.linalg.cho_factor / cho_solve);
* PyTorch autograd in f64: torch.logdet of the same matrices and
  backward(), the classes selected by index (as the official MCR^2 loss,
  without its dense m x m membership matrices).

R and R_c must equal ours to 1e-9 (relative), and so must the gradient
(largest difference relative to the largest entry); a NaN anywhere fails.

Prints one JSON line: the fastest method whose check passed, its median time,
and every method's result.

Run: python mcr2.py --check DIR [--threads N] [--repeat R]
"""

import json
import sys

from harness import arguments, report, time_if_ok


def main():
    args = arguments(repeat=15)
    import numpy as np
    import scipy
    import scipy.linalg
    import torch

    torch.set_num_threads(args.threads)
    meta = json.loads((args.check / "mcr2.json").read_text())
    z = np.load(args.check / "Z.npy")
    labels = np.load(args.check / "labels.npy")
    our_grad = np.load(args.check / "grad.npy")
    eps_sq = meta["eps_sq"]
    d, m = z.shape
    classes = [np.flatnonzero(labels == j) for j in np.unique(labels)]

    def numpy_closed_form():
        eye = np.eye(d)

        def half_logdet_and_solve(a, zz):
            c = scipy.linalg.cho_factor(eye + a * (zz @ zz.T), lower=True)
            return float(np.sum(np.log(np.diag(c[0])))), a * scipy.linalg.cho_solve(c, zz)

        r, grad = half_logdet_and_solve(d / (m * eps_sq), z)
        rc = 0.0
        for idx in classes:
            share = idx.size / m
            h, g = half_logdet_and_solve(d / (idx.size * eps_sq), z[:, idx])
            rc += share * h
            grad[:, idx] -= share * g
        return r, rc, grad

    zt_src = torch.from_numpy(z)
    idx_t = [torch.from_numpy(idx) for idx in classes]

    def torch_autograd():
        zt = zt_src.clone().requires_grad_(True)
        eye = torch.eye(d, dtype=torch.float64)
        r = torch.logdet(eye + (d / (m * eps_sq)) * zt @ zt.T) / 2
        rc = 0.0
        for idx in idx_t:
            zj = zt[:, idx]
            rc = rc + torch.logdet(eye + (d / (idx.numel() * eps_sq)) * zj @ zj.T) / 2 * (idx.numel() / m)
        (r - rc).backward()
        return r.item(), rc.item(), zt.grad.numpy()

    methods = {}
    scale = float(np.max(np.abs(our_grad)))
    for name, fn in [
        (f"NumPy {np.__version__} + SciPy {scipy.__version__} closed form (Cholesky)", numpy_closed_form),
        (f"PyTorch {torch.__version__} autograd (f64, logdet)", torch_autograd),
    ]:
        r, rc, g = fn()
        rel = float(np.max([abs(r - meta["r"]) / abs(meta["r"]), abs(rc - meta["rc"]) / abs(meta["rc"])]))
        grad_err = float(np.max(np.abs(g - our_grad))) / scale
        ok = bool(np.isfinite(rel) and np.isfinite(grad_err) and rel <= 1e-9 and grad_err <= 1e-9)
        methods[name] = {"median_s": time_if_ok(fn, ok, args.repeat), "max_rel_err": rel,
                         "grad_err": grad_err, "ok": ok}

    worst = max(max(v["max_rel_err"], v["grad_err"]) for v in methods.values())
    return report("rate reduction and its gradient, d 128, m 2000, k 10", args.threads, methods, worst, 1e-9)

if __name__ == "__main__":
    sys.exit(main())
