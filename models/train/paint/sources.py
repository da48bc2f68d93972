"""Where a stage's batches come from: the teacher cache (stages 1-2) or made online (from stage
`sharp`: config `"data": "online"`, online.py). Each is opened when a stage first needs it."""
import numpy as np
import torch

from models.train.paint.data import Paintings, open_cache
from models.train.paint.motion import moved
from models.train.paint.online import OnlineBatches, Teacher


class CacheBatches:
    """Random training batches from the teacher cache: content crops (NHWC float 0..255) at random
    offsets (so the 4x4 grid meets the picture everywhere), the teacher's output for the same crops,
    the painting indices, and the crops under a small random motion with pixel noise (and its grid)."""

    def __init__(self, cache, crop):
        self.cache, self.crop = cache, crop

    def __call__(self, n, rng, gen):
        c, s = self.crop, self.cache.crop
        idx = [rng.randrange(self.cache.count) for _ in range(n)]
        xs, ts = [], []
        for i in idx:
            y0, x0 = rng.randint(0, s - c), rng.randint(0, s - c)
            xs.append(self.cache.content[i, y0:y0 + c, x0:x0 + c])
            ts.append(self.cache.teacher[i, y0:y0 + c, x0:x0 + c])
        x, t = (torch.from_numpy(np.stack(a)).float() for a in (xs, ts))
        x_moved, grid = moved(x, gen)
        return x, x_moved, t, torch.tensor([int(self.cache.style[i]) for i in idx]), grid


class Sources:
    """The batches of the stage last entered: `online` says which kind; the cache's (`batches`,
    `paintings`, `teacher_codes`) or the online ones (`online_batches`, `encoder_views`, `teacher`)."""

    def __init__(self, cfg, stage):
        self.cfg, self.tc = cfg, cfg["train"]
        self.cache = self.batches = self.online_batches = self.teacher = None
        self.enter(stage)

    def enter(self, stage):
        self.online = stage.get("data") == "online"
        if self.online and self.online_batches is None:
            self.online_batches = OnlineBatches(self.cfg, self.tc["crop"], stage["sharp_share"])
            self.encoder_views = stage.get("encoder_views", 0)
            self.teacher = Teacher(self.cfg["paths"]["teacher"])
        if not self.online and self.cache is None:
            self.cache = open_cache(self.cfg)
            self.paintings = Paintings(self.cfg, "train")
            self.teacher_codes = torch.from_numpy(self.cache.codes())
            self.batches = CacheBatches(self.cache, self.tc["crop"])
            self.style_targets = None  # loaded when a stage first needs them (teacher_cache.py computes them last)

    def painting_style_targets(self):
        """[P, 2*(64+128+256)]: each cached painting's VGG statistics, the style term's targets."""
        if self.style_targets is None:
            st = self.cache.style_targets()
            if st is None or len(st) < len(self.paintings):
                raise SystemExit("the cache's style targets are incomplete: run "
                                 "`python3 -m models.train.paint.teacher_cache` to finish them")
            self.style_targets = torch.from_numpy(st)
        return self.style_targets

    def describe(self):
        if self.online:
            b = self.online_batches
            return (f"online batches: {len(b.photos)} photos, {len(b.sharp)} sharp and {len(b.soft)} other paintings, "
                    f"sharp share {b.sharp_share}")
        return f"cache {self.cache.count} samples, {len(self.paintings)} paintings"
