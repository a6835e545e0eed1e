"""PyTorch mirror of one round of chapter 6's CTRL game.

The Rust side is `chapters/chapter-06/benches/round.rs`; this script plays
the same round the way the official CTRL code does (Dai et al., 2022; torch
modules, `torch.logdet` in float32, autograd, `torch.optim.Adam`):

  encoder step: X_hat = g(f(X)) without a graph, T = dR(Z) + dR(Z_hat)
                + sum_j dR(Z_j, Z_hat_j) with Z = f(X), Z_hat = f(X_hat);
                one Adam step of f up T.
  decoder step: Z = f(X) without a graph, Z_hat = f(g(Z)); one Adam step
                of g down T.

Players: 784 -> 512 -> 256 -> 32 (LayerNorm, LeakyReLU 0.2, rows scaled to
unit length) and 32 -> 256 -> 512 -> 784 (tanh). Batch 500 digits.

  --check DIR   load DIR/ctrl.safetensors (batch, labels, initial weights,
                written by the Rust bench under DRL_BENCH_DUMP=DIR), play
                the rounds DIR/ctrl.json records and compare the terms, then
                time rounds from the same start.
  --threads N   torch.set_num_threads(N) (the Rust side gets
                RAYON_NUM_THREADS=N).

Prints one JSON object: the check and the timing.
"""

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import load_file
from torch import nn

ENCODER = [784, 512, 256, 32]
# Rounds the Rust bench records (CHECKED_ROUNDS in benches/round.rs).
CHECKED_ROUNDS = 2


class Mlp(nn.Module):
    def __init__(self, widths, head, slope, ln_eps):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
        self.norms = nn.ModuleList(nn.LayerNorm(n, eps=ln_eps) for n in widths[1:-1])
        self.head, self.slope = head, slope

    def forward(self, x):
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < last:
                x = F.leaky_relu(self.norms[i](x), self.slope)
        if self.head == "sphere":
            return x / x.pow(2).sum(1, keepdim=True).clamp_min(1e-24).sqrt()
        return torch.tanh(x)

    def load(self, tensors, player):
        with torch.no_grad():
            for i, layer in enumerate(self.layers):
                layer.weight.copy_(torch.from_numpy(tensors[f"{player}.{i}.weight"]))
                layer.bias.copy_(torch.from_numpy(tensors[f"{player}.{i}.bias"]))
            for i, norm in enumerate(self.norms):
                norm.weight.copy_(torch.from_numpy(tensors[f"{player}.norm{i}.weight"]))
                norm.bias.copy_(torch.from_numpy(tensors[f"{player}.norm{i}.bias"]))


def rates(sets, eps_sq):
    """R(Z) = 1/2 logdet(I + d/(m eps^2) Z^T Z) for each [m, d] set."""
    d = sets[0].shape[1]
    eye = torch.eye(d)
    mats = torch.stack([eye + (d / (z.shape[0] * eps_sq)) * (z.T @ z) for z in sets])
    return 0.5 * torch.logdet(mats)


def terms(z, z_hat, rows, eps_sq):
    k, m = len(rows), z.shape[0]
    z_j = [z[r] for r in rows]
    z_hat_j = [z_hat[r] for r in rows]
    union = [torch.cat([a, b]) for a, b in zip(z_j, z_hat_j)]
    r = rates([z, z_hat] + z_j + z_hat_j + union, eps_sq)
    share = [len(rj) / m for rj in rows]
    expand = r[0] - sum(share[j] * r[2 + j] for j in range(k))
    expand_hat = r[1] - sum(share[j] * r[2 + k + j] for j in range(k))
    consistency = sum(r[2 + 2 * k + j] - 0.5 * (r[2 + j] + r[2 + k + j]) for j in range(k))
    return expand, expand_hat, consistency


class Game:
    def __init__(self, tensors, settings):
        self.x = torch.from_numpy(tensors["x"])
        labels = tensors["labels"]
        self.rows = [torch.from_numpy(np.flatnonzero(labels == c)) for c in np.unique(labels)]
        slope, ln_eps = settings["leaky_slope"], settings["layer_norm_eps"]
        self.f = Mlp(ENCODER, "sphere", slope, ln_eps)
        self.g = Mlp(ENCODER[::-1], "tanh", slope, ln_eps)
        self.f.load(tensors, "encoder")
        self.g.load(tensors, "decoder")
        adam = dict(lr=settings["lr"], betas=tuple(settings["adam_betas"]), eps=settings["adam_eps"])
        self.opt_f = torch.optim.Adam(self.f.parameters(), **adam)
        self.opt_g = torch.optim.Adam(self.g.parameters(), **adam)
        self.eps_sq, self.gammas = settings["eps_sq"], settings["gammas"]

    def total(self, t):
        return sum(g * v for g, v in zip(self.gammas, t))

    def round(self):
        with torch.no_grad():
            x_hat = self.g(self.f(self.x))
        t = terms(self.f(self.x), self.f(x_hat), self.rows, self.eps_sq)
        self.opt_f.zero_grad()
        (-self.total(t)).backward()
        self.opt_f.step()
        with torch.no_grad():
            z = self.f(self.x)
        t = terms(z, self.f(self.g(z)), self.rows, self.eps_sq)
        seen = [float(v.detach()) for v in t]
        self.opt_g.zero_grad()
        self.total(t).backward()
        self.opt_g.step()
        return seen


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", required=True, type=Path)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=20, help="timed rounds")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tensors = load_file(str(args.check / "ctrl.safetensors"))
    settings = json.loads((args.check / "ctrl.json").read_text())

    game = Game(tensors, settings)
    worst, finite = 0.0, len(settings["rounds"]) == CHECKED_ROUNDS
    for expected in settings["rounds"]:
        seen = game.round()
        for name, value in zip(["expand", "expand_hat", "consistency"], seen):
            want = expected[name]
            err = abs(value - want) / max(1.0, abs(want))
            finite = finite and math.isfinite(err)
            worst = max(worst, err) if math.isfinite(err) else math.inf
    tolerance = 1e-3
    ok = finite and worst <= tolerance
    check = {"max_rel_err": worst if math.isfinite(worst) else None, "tolerance": tolerance, "ok": ok}

    game = Game(tensors, settings)
    for _ in range(3):
        game.round()
    times = []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        game.round()
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    out = {
        "workload": "ctrl round",
        "torch": torch.__version__,
        "threads": args.threads,
        "check": check,
        "median_s": median,
        "images_per_s": game.x.shape[0] / median,
    }
    print(json.dumps(out))
    return 0 if check["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
