"""The Python side of chapter 5's CRATE workload for `cargo xtask bench-compare`.

The Rust bench (`cargo bench -p chapter-05 --bench step` with
DRL_BENCH_DUMP=DIR) writes a batch of 128 images 1 x 28 x 28 and labels
(crate_batch.safetensors), the initial weights of the digits preset under
the official CRATE names (crate.safetensors, written by `save_weights`), and
in crate.json the model's settings, the optimizer's (Burn's AdamW config),
the initial model's logits on the batch and the losses of the first steps.

Here the same model is built in PyTorch the way the official code defines it
(Ma-Lab-Berkeley/CRATE, model/crate.py: pre-norm MSSA with a residual, then
the one-step nonnegative ISTA block; tokens as rows), written from that
definition, and loaded with `load_state_dict(strict=True)`. Before anything
is timed it must reproduce, in f32:
  - our logits (largest difference relative to the largest logit, 1e-4);
  - the losses of our first steps of mean cross-entropy and
    torch.optim.AdamW with the same settings (relative, 1e-4);
  - what those steps did to the weights (crate_after.safetensors): the
    change of every parameter, all together, to 1e-4 of its norm (it
    agrees to 4e-6). The losses alone would not see the optimizer's
    details: the first Adam step does not depend on the betas, and weight
    decay moves the loss by less than the tolerance. The change does: with
    no weight decay it misses by 1.3e-2, with PyTorch's default epsilon
    by 7.4e-2, with beta_2 = 0.99 by 4.3e-3, with beta_1 = 0.8 by 5.3e-2.

  --mode train   time one step: forward, loss, backward, AdamW step
  --mode infer   time the forward pass of the model in eval mode, no graph

Prints one JSON line (see harness.py).

Run: python crate.py --check DIR --mode train|infer [--threads N] [--repeat R]
"""

import json
import sys

from harness import arguments, report, timed


def build(torch, cfg):
    """The official CRATE for the settings `cfg` (names as in model/crate.py)."""
    from torch import nn
    import torch.nn.functional as F

    class PreNorm(nn.Module):
        def __init__(self, dim, fn):
            super().__init__()
            self.norm, self.fn = nn.LayerNorm(dim), fn

        def forward(self, x):
            return self.fn(self.norm(x))

    class Ista(nn.Module):
        """ReLU(x + eta (x W - x W^T W) - eta lambda) on rows x."""

        def __init__(self, dim, eta, lam):
            super().__init__()
            self.weight = nn.Parameter(torch.empty(dim, dim))
            self.eta, self.lam = eta, lam

        def forward(self, x):
            grad_1 = F.linear(x, self.weight.t())
            grad_2 = F.linear(F.linear(x, self.weight), self.weight.t())
            return F.relu(x + self.eta * (grad_1 - grad_2) - self.eta * self.lam)

    class Mssa(nn.Module):
        def __init__(self, dim, heads, dim_head):
            super().__init__()
            inner = heads * dim_head
            self.heads, self.scale = heads, dim_head ** -0.5
            self.qkv = nn.Linear(dim, inner, bias=False)
            project_out = not (heads == 1 and dim_head == dim)
            self.to_out = nn.Sequential(nn.Linear(inner, dim)) if project_out else nn.Identity()

        def forward(self, x):
            b, n, _ = x.shape
            w = self.qkv(x).reshape(b, n, self.heads, -1).transpose(1, 2)
            attn = torch.softmax(w @ w.transpose(-1, -2) * self.scale, dim=-1)
            return self.to_out((attn @ w).transpose(1, 2).reshape(b, n, -1))

    class Transformer(nn.Module):
        def __init__(self):
            super().__init__()
            dim = cfg["dim"]
            self.layers = nn.ModuleList(
                nn.ModuleList([
                    PreNorm(dim, Mssa(dim, cfg["heads"], cfg["dim_head"])),
                    PreNorm(dim, Ista(dim, cfg["eta"], cfg["lambda"])),
                ])
                for _ in range(cfg["depth"])
            )

        def forward(self, x):
            for attn, ista in self.layers:
                x = ista(attn(x) + x)
            return x

    patch = cfg["patch_size"]

    class Patches(nn.Module):
        """b c (h p1) (w p2) -> b (h w) (p1 p2 c)."""

        def forward(self, img):
            b, c, h, w = img.shape
            x = img.reshape(b, c, h // patch, patch, w // patch, patch)
            return x.permute(0, 2, 4, 3, 5, 1).reshape(b, (h // patch) * (w // patch), patch * patch * c)

    class Crate(nn.Module):
        def __init__(self):
            super().__init__()
            dim = cfg["dim"]
            patch_dim = cfg["channels"] * patch * patch
            patches = (cfg["image_size"] // patch) ** 2
            self.to_patch_embedding = nn.Sequential(
                Patches(), nn.LayerNorm(patch_dim), nn.Linear(patch_dim, dim), nn.LayerNorm(dim)
            )
            self.pos_embedding = nn.Parameter(torch.empty(1, patches + 1, dim))
            self.cls_token = nn.Parameter(torch.empty(1, 1, dim))
            self.transformer = Transformer()
            self.mlp_head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, cfg["num_classes"]))

        def forward(self, img):
            x = self.to_patch_embedding(img)
            x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embedding
            return self.mlp_head(self.transformer(x)[:, 0])

    return Crate()


def main():
    args = arguments(repeat=15, extra=[("--mode", {"choices": ["train", "infer"], "required": True})])
    import numpy as np
    import torch
    import torch.nn.functional as F
    from safetensors.torch import load_file

    torch.set_num_threads(args.threads)
    meta = json.loads((args.check / "crate.json").read_text())
    cfg, opt = meta["model"], meta["adamw"]
    clip = opt.get("grad_clipping")
    if cfg.get("pre_logits") or opt.get("amsgrad") or opt.get("cautious_weight_decay") \
            or (clip is not None and set(clip) != {"Norm"}):
        raise SystemExit("crate.py mirrors a classifier trained by AdamW with per-parameter norm clipping at most (no AMSGrad, cautious decay or value clipping)")
    clip_norm = None if clip is None else float(clip["Norm"])
    smoothing = float(meta.get("label_smoothing", 0.0))
    # Burn's GradientClipping::Norm scales each parameter's gradient by
    # min(1, c / (|g| + tiny)) on its own (PyTorch's clip_grad_norm_ would
    # use the norm of all of them together).
    tiny = float(np.finfo(np.float32).tiny)
    batch = load_file(str(args.check / "crate_batch.safetensors"))
    x, y = batch["x"], batch["labels"]
    weights = load_file(str(args.check / "crate.safetensors"))

    def fresh():
        model = build(torch, cfg)
        model.load_state_dict(weights, strict=True)
        optim = torch.optim.AdamW(
            model.parameters(),
            lr=meta["lr"],
            betas=(opt["beta_1"], opt["beta_2"]),
            eps=opt["epsilon"],
            weight_decay=opt["weight_decay"],
        )
        return model, optim

    def step(model, optim):
        loss = F.cross_entropy(model(x), y, label_smoothing=smoothing)
        optim.zero_grad(set_to_none=True)
        loss.backward()
        if clip_norm is not None:
            with torch.no_grad():
                for p in model.parameters():
                    if p.grad is not None:
                        coef = (clip_norm / (p.grad.norm() + tiny)).clamp(max=1.0)
                        p.grad.mul_(coef)
        optim.step()
        return loss.item()

    # The check: our logits, then our losses over the first steps.
    model, optim = fresh()
    with torch.no_grad():
        logits = model.eval()(x).numpy()
    ours = np.asarray(meta["logits"], dtype=np.float32).reshape(logits.shape)
    logit_err = float(np.max(np.abs(logits - ours)) / np.max(np.abs(ours)))
    model.train()
    losses = [step(model, optim) for _ in meta["losses"]]
    want = np.asarray(meta["losses"])
    loss_err = float(np.max(np.abs(np.asarray(losses) - want) / np.abs(want)))
    after = load_file(str(args.check / "crate_after.safetensors"))
    state = model.state_dict()
    if sorted(after) != sorted(state):
        raise SystemExit("crate_after.safetensors names other parameters than the model")
    ours_moved = np.concatenate([(after[k] - weights[k]).numpy().ravel() for k in sorted(after)])
    theirs_moved = np.concatenate([(state[k].detach().numpy() - weights[k].numpy()).ravel() for k in sorted(after)])
    step_err = float(np.linalg.norm(theirs_moved - ours_moved) / np.linalg.norm(ours_moved))
    worst = float(np.max([logit_err, loss_err, step_err]))  # NaN propagates
    tolerance = 1e-4
    ok = bool(np.isfinite(worst) and worst <= tolerance)

    median = None
    if ok:
        model, optim = fresh()
        if args.mode == "train":
            model.train()
            _, median = timed(lambda: step(model, optim), args.repeat)
        else:
            model.eval()

            def forward():
                with torch.inference_mode():
                    return model(x)

            _, median = timed(forward, args.repeat)
    what = "training step (forward, loss, backward, AdamW)" if args.mode == "train" else "inference (eval forward)"
    name = f"PyTorch {torch.__version__} {what}"
    methods = {name: {"median_s": median, "max_rel_err": worst, "logit_err": logit_err,
                      "loss_err": loss_err, "step_err": step_err, "ok": ok}}
    return report(f"CRATE digits preset, batch 128, {what}", args.threads, methods, worst, tolerance)


if __name__ == "__main__":
    sys.exit(main())
