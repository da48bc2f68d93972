"""What a `paint` run carries from step to step and between sittings (run/last.pt): the student,
its EMA (what ships), the training-only code read-out, the optimiser, the step, the time trained,
the three random streams (Python's for the data, torch's, and the motions' generator) and the
student's architecture (a stage's `grow` adds residual blocks: `grow()`; its `style_read` says how
the style encoder reads a style: `read_styles_at()`)."""
import os
import random

import torch
import torch.nn as nn

from models.train.paint.net import net_of, with_blocks

CLIP_NORM = 5.0


class TrainingState:
    def __init__(self, cfg):
        """A new run from cfg's seed (load() then resumes one)."""
        self.cfg = cfg
        torch.manual_seed(cfg["seed"])
        self.rng = random.Random(cfg["seed"])
        self.gen = torch.Generator().manual_seed(cfg["seed"])  # the random motions
        self.architecture = dict(cfg["model"])
        self.net, self.ema = net_of(self.architecture), net_of(self.architecture)
        self.code_head = nn.Linear(self.net.code_size, 100)  # read-out of the teacher's style vector
        self.ema.load_state_dict(self.net.state_dict())
        self.ema.requires_grad_(False)
        self._new_optimiser()
        self.step, self.trained_s = 0, 0.0

    def _new_optimiser(self):
        self.params = list(self.net.parameters()) + list(self.code_head.parameters())
        self.opt = torch.optim.Adam(self.params, lr=self.cfg["stages"][0]["lr"])

    @property
    def blocks(self):
        return self.architecture["blocks"]

    @property
    def style_read(self):
        return self.architecture.get("style_read")

    def read_styles_at(self, side):
        """From now on the student's style encoder reads a style at a longer side of `side`, aspect
        kept (net.py): the same weights, another input."""
        self.architecture = dict(self.architecture, style_read=side)
        self.net.style_read = self.ema.style_read = side

    def grow(self, blocks):
        """Residual blocks added to the student and its EMA (net.with_blocks: the same function).
        Adam's moments carry over for every parameter whose name and shape stay (the code read-out's
        too); the new blocks' and the resized modulation map's start from zero."""
        moments = {(n, p.shape): self.opt.state[p] for n, p in self._named_params() if p in self.opt.state}
        self.net = with_blocks(self.net, blocks).requires_grad_(True)
        self.ema = with_blocks(self.ema, blocks).requires_grad_(False)
        self.architecture = dict(self.architecture, blocks=blocks)
        self._new_optimiser()
        for n, p in self._named_params():
            if (n, p.shape) in moments:
                self.opt.state[p] = moments[(n, p.shape)]

    def _named_params(self):
        yield from (("net." + n, p) for n, p in self.net.named_parameters())
        yield from (("head." + n, p) for n, p in self.code_head.named_parameters())

    def load(self, path):
        ck = torch.load(path)
        architecture = ck.get("architecture", self.cfg["model"])
        if architecture != self.architecture:  # a grown run: build its student before loading
            self.architecture = dict(architecture)
            self.net, self.ema = net_of(architecture), net_of(architecture).requires_grad_(False)
            self._new_optimiser()
        self.net.load_state_dict(ck["model"])
        self.ema.load_state_dict(ck["ema"])
        self.code_head.load_state_dict(ck["code_head"])
        self.opt.load_state_dict(ck["opt"])
        self.step, self.trained_s = ck["step"], ck["trained_s"]
        self.rng.setstate(ck["py_rng"])
        torch.set_rng_state(ck["torch_rng"])
        self.gen.set_state(ck["motion_rng"])

    def save(self, path, trained_s):
        """Written whole or not at all (a temporary file renamed over the last)."""
        state = {"model": self.net.state_dict(), "ema": self.ema.state_dict(), "code_head": self.code_head.state_dict(),
                 "opt": self.opt.state_dict(), "step": self.step, "trained_s": trained_s,
                 "py_rng": self.rng.getstate(), "torch_rng": torch.get_rng_state(), "motion_rng": self.gen.get_state(),
                 "config": self.cfg, "architecture": self.architecture}
        torch.save(state, str(path) + ".tmp")
        os.replace(str(path) + ".tmp", path)

    def update(self, loss, lr, ema_most):
        """One optimiser step on `loss` at learning rate `lr`, then the EMA (its decay rises to
        `ema_most` over the first steps of a run); the step count moves on."""
        for g in self.opt.param_groups:
            g["lr"] = lr
        self.opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, CLIP_NORM)
        self.opt.step()
        with torch.no_grad():
            d = min(ema_most, (1 + self.step) / (10 + self.step))
            for pe, pn in zip(self.ema.parameters(), self.net.parameters()):
                pe.mul_(d).add_(pn, alpha=1 - d)
        self.step += 1
