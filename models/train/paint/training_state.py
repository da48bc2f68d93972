"""What a `paint` run carries from step to step and between sittings (run/last.pt): the student,
its EMA (what ships), the training-only code read-out, the optimiser, the step, the time trained and
the three random streams (Python's for the data, torch's, and the motions' generator)."""
import os
import random

import torch
import torch.nn as nn

from models.train.paint.net import net_from

CLIP_NORM = 5.0


class TrainingState:
    def __init__(self, cfg):
        """A new run from cfg's seed (load() then resumes one)."""
        self.cfg = cfg
        torch.manual_seed(cfg["seed"])
        self.rng = random.Random(cfg["seed"])
        self.gen = torch.Generator().manual_seed(cfg["seed"])  # the random motions
        self.net, self.ema = net_from(cfg), net_from(cfg)
        self.code_head = nn.Linear(self.net.code_size, 100)  # read-out of the teacher's style vector
        self.ema.load_state_dict(self.net.state_dict())
        self.ema.requires_grad_(False)
        self.params = list(self.net.parameters()) + list(self.code_head.parameters())
        self.opt = torch.optim.Adam(self.params, lr=cfg["stages"][0]["lr"])
        self.step, self.trained_s = 0, 0.0

    def load(self, path):
        ck = torch.load(path)
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
                 "config": self.cfg}
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
