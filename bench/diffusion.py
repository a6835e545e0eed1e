"""The Python side of chapter 3's sampler workload for `cargo xtask bench-compare`.

The Rust bench (`cargo bench -p chapter-03 --bench sampler` with
DRL_BENCH_DUMP=DIR) writes a mixture of K = 5 Gaussians in R^64,
N(0, c_k U_k U_k^T + eps I) with orthonormal U_k (64 x 4), weights and
scales, the time grid (100 DDIM steps of the variance-exploding process,
sigma_t = t, from 10 down to 1e-3), 2000 starting points, and the samples our
`ddim_sample` with the closed-form `LowRankMixture` denoiser reached.

Here the same sampler runs in closed form, the way a Python user would write
it: at noise level sigma each component's posterior mean shrinks x_t by
(c + eps) / (c + eps + sigma^2) inside span(U_k) and by eps / (eps + sigma^2)
outside, the responsibilities are a softmax of the Gaussian log-densities of
x_t (log-det and quadratic form from the same two factors), and the DDIM step
is x_s = (sigma_s / sigma_t) x_t + (1 - sigma_s / sigma_t) E[x | x_t].
NumPy and PyTorch (f64) run it on the points as rows (N x d); each one's
samples must equal ours to 1e-9 (largest difference relative to the largest
entry) before it is timed.

Prints one JSON line: the fastest method whose check passed, its median time,
and every method's result.

Run: python diffusion.py --check DIR [--threads N] [--repeat R]
"""

import json
import math
import sys

from harness import arguments, report, time_if_ok


def softmax_rows(xp, logits):
    """Row-wise softmax: PyTorch's fused kernel, or the stable formula in NumPy."""
    if xp.__name__ == "torch":
        return xp.softmax(logits, dim=1)
    w = xp.exp(logits - xp.amax(logits, 1)[:, None])
    return w / w.sum(1)[:, None]


def sample(xp, stacked, rank, log_weights, scales, floor, grid, x):
    """DDIM down `grid` from the points `x` (N x d, one per row, the layout a
    Python user keeps data in) with the low-rank mixture's exact denoiser.
    `stacked` is [U_1, ..., U_K] (d x K r), so that the projections onto all
    subspaces are one matrix product; `xp` is numpy or torch (only calls both
    spell the same way)."""
    n, d = x.shape
    k, r = stacked.shape[1] // rank, rank
    for t, s in zip(grid[:-1], grid[1:]):
        along = scales + (floor + t * t)          # variance inside span(U_k), per k
        across = floor + t * t                    # and outside
        p3 = (x @ stacked).reshape(n, k, r)       # U_k^T x_t
        inside = (p3 * p3).sum(2)                 # N x K
        total = (x * x).sum(1)[:, None]           # N x 1
        logdet = r * xp.log(along) + (d - r) * math.log(across)
        quad = inside / along[None, :] + (total - inside) / across
        logits = log_weights[None, :] - 0.5 * (logdet[None, :] + quad)
        w = softmax_rows(xp, logits)
        # E[x | x_t] = a_across x + sum_k w_k (a_along_k - a_across) U_k U_k^T x
        a_across = floor / across
        a_along = (scales + floor) / along
        gain = (a_along - a_across)[None, :, None] * w[:, :, None]
        clean = a_across * x + (p3 * gain).reshape(n, k * r) @ stacked.T
        keep = s / t
        x = keep * x + (1.0 - keep) * clean
    return x


def main():
    args = arguments(repeat=7)
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    d = args.check
    meta = json.loads((d / "diffusion.json").read_text())
    bases, weights, scales = np.load(d / "bases.npy"), np.load(d / "weights.npy"), np.load(d / "scales.npy")
    grid, start, ours = np.load(d / "grid.npy"), np.load(d / "start.npy"), np.load(d / "samples.npy")
    floor = meta["floor"]
    scale = float(np.max(np.abs(ours)))

    k, dim, rank = bases.shape
    stacked = np.ascontiguousarray(bases.transpose(1, 0, 2).reshape(dim, k * rank))

    rows = np.ascontiguousarray(start.T)

    def with_numpy():
        return sample(np, stacked, rank, np.log(weights), scales, floor, list(grid), rows).T

    ts, tw, tc, tx = (torch.from_numpy(a) for a in (stacked, np.log(weights), scales, rows))

    def with_torch():
        with torch.no_grad():
            return sample(torch, ts, rank, tw, tc, floor, list(grid), tx).numpy().T

    methods = {}
    for name, fn in [
        (f"NumPy {np.__version__} low-rank closed form", with_numpy),
        (f"PyTorch {torch.__version__} low-rank closed form (f64)", with_torch),
    ]:
        err = float(np.max(np.abs(fn() - ours))) / scale
        ok = bool(np.isfinite(err) and err <= 1e-9)
        methods[name] = {"median_s": time_if_ok(fn, ok, args.repeat), "max_rel_err": err, "ok": ok}
    worst = max(v["max_rel_err"] for v in methods.values())
    return report("DDIM 100 steps, low-rank mixture, d 64, 2000 samples", args.threads, methods, worst, 1e-9)


if __name__ == "__main__":
    sys.exit(main())
