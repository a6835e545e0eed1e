"""The Python side of the matrix-multiply ceiling for `cargo xtask bench-compare`.

The Rust bench (`cargo bench -p chapter-05 --bench matmul` with
DRL_BENCH_DUMP=DIR) writes two 1024 x 1024 matrices A and B and our products:
C64 (f64, through ndarray's matrixmultiply, what chapters 1-4 use) and C32
(f32, through Burn's Flex backend, what chapters 5-6 use). NumPy multiplies
the same matrices with its BLAS (OpenBLAS in the pinned wheel); each product
must agree with ours (f64: 1e-12, f32: 1e-4, largest difference relative to
the largest entry; one untimed call) before it is timed.

Prints one JSON line: NumPy's median time for the precision asked for, and
the check.

Run: python matmul.py --check DIR [--threads N] [--repeat R] [--precision f64|f32]
"""

import sys

from harness import arguments, report, time_if_ok


def main():
    args = arguments(repeat=15, extra=[("--precision", {"choices": ["f64", "f32"], "default": "f64"})])
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
