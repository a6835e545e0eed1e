"""The Python side of the matrix-multiply ceiling for `cargo xtask bench-compare`.

The Rust bench (`cargo bench -p chapter-05 --bench matmul` with
DRL_BENCH_DUMP=DIR) writes two 1024 x 1024 matrices A and B and our products:
C64 (f64, through ndarray's matrixmultiply, what chapters 1-4 use) and C32
(f32, through Burn's Flex backend, what chapters 5-6 use). NumPy multiplies
the same matrices with its BLAS (OpenBLAS in the pinned wheel); each product
must agree with ours (f64: 1e-12, f32: 1e-4, largest difference relative to
the largest entry; one untimed call) before it is timed.

With --shape ID it multiplies instead the f32 factors of one of the Burn
chapters' products, ID.a.npy and ID.b.npy (the left one transposed when
ID.json says so, as a view, the way autodiff forms a weight gradient), with
NumPy and with PyTorch (MKL in the pinned wheel, the kernel chapters 5 and 6
are compared with); each must match our ID.c.npy to 1e-4.

Prints one JSON line: the median time of each method for the precision or
shape asked for, and the check.

Run: python matmul.py --check DIR [--threads N] [--repeat R] [--precision f64|f32] [--shape ID]
"""

import json

import sys

from harness import arguments, report, time_if_ok


def shape(args):
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    d, sid = args.check, args.shape
    missing = [f"{sid}.{part}" for part in ("a.npy", "b.npy", "c.npy", "json") if not (d / f"{sid}.{part}").exists()]
    if missing:
        raise SystemExit(f"error: no {', '.join(missing)} in {d}: run the Rust bench with DRL_BENCH_DUMP={d} first, or pick a shape it dumps")
    stored, b, c_ours = (np.load(d / f"{sid}.{part}.npy") for part in "abc")
    transposed = json.loads((d / f"{sid}.json").read_text())["transpose_lhs"]
    # Views, not copies: BLAS is told the left factor is transposed.
    a = stored.T if transposed else stored
    ta = torch.from_numpy(stored).T if transposed else torch.from_numpy(stored)
    tb = torch.from_numpy(b)
    scale = np.max(np.abs(c_ours))
    methods, worst = {}, 0.0
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    for name, fn in [
        (f"PyTorch {torch.__version__}", lambda: (ta @ tb).numpy()),
        (f"NumPy {np.__version__} ({blas.get('name', 'BLAS')} {blas.get('version', '')})", lambda: a @ b),
    ]:
        # These products take a millisecond or less: let the thread pools
        # (OpenMP's for PyTorch) settle before the timed calls.
        for _ in range(50):
            fn()
        err = float(np.max(np.abs(fn().astype(np.float64) - c_ours)) / scale)
        ok = bool(np.isfinite(err) and err <= 1e-4)
        worst = max(worst, err) if np.isfinite(err) else float("inf")
        methods[name] = {"median_s": time_if_ok(fn, ok, args.repeat), "max_rel_err": err, "ok": ok}
    m, k = a.shape
    return report(f"matmul f32 {sid} ({m}x{k}x{b.shape[1]})", args.threads, methods, worst, 1e-4)


def main():
    args = arguments(repeat=15, extra=[
        ("--precision", {"choices": ["f64", "f32"], "default": "f64"}),
        ("--shape", {"default": None}),
    ])
    if args.shape is not None:
        return shape(args)
    import numpy as np

    dtype, ours, tol = {
        "f64": (np.float64, "C64.npy", 1e-12),
        "f32": (np.float32, "C32.npy", 1e-4),
    }[args.precision]
    a = np.load(args.check / "A.npy").astype(dtype)
    b = np.load(args.check / "B.npy").astype(dtype)
    c_ours = np.load(args.check / ours)
    c = a @ b
    err = float(np.max(np.abs(c.astype(np.float64) - c_ours)) / np.max(np.abs(c_ours)))
    ok = bool(np.isfinite(err) and err <= tol)
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    name = f"NumPy {np.__version__} ({blas.get('name', 'BLAS')} {blas.get('version', '')}) {args.precision} matmul"
    methods = {name: {"median_s": time_if_ok(lambda: a @ b, ok, args.repeat), "max_rel_err": err, "ok": ok}}
    return report(f"matmul 1024^3 {args.precision}", args.threads, methods, err, tol)

if __name__ == "__main__":
    sys.exit(main())
