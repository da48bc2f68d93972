"""Training batches made as they are needed, without the teacher cache (stage `sharp` on).

Content is a random photo crop; each style is a random *view* of a painting at its own resolution
(paintings/sharp/ in a share of the samples, a crop rescaled 0.5-1x; a 224-px thumbnail whole,
never enlarged), so the style loss's target is the texture the user's image really has. The
Magenta teacher (read at training time only) labels what needs labels: its stylization of the crop
for `distill` and `teacher_style`, and its 100-d style vector of the view for `teacher_code`, also
on extra views made only for the style encoder (photos, colour-jittered paintings, two paintings
side by side) so that it learns to place images unlike any painting where the teacher does.
"""
import numpy as np
import torch
from PIL import Image

from models.importers.magenta import load_magenta
from models.train.paint.data import Paintings, Photos, to_chw
from models.train.paint.motion import moved
from models.train.vgg import feature_stats

STYLE_SIDE = 256  # the teacher's style encoder reads 256x256 (and a square-reading student's)


def square(view):
    """uint8 HWC view -> float CHW 0..255 at STYLE_SIDE^2 (bilinear, as the runtime resizes)."""
    return to_chw(np.asarray(Image.fromarray(view).resize((STYLE_SIDE, STYLE_SIDE), Image.BILINEAR)))


def jitter(view, rng):
    """A colour variant of a view: channels permuted, saturation and brightness scaled."""
    a = view.astype(np.float32)[..., list(rng.sample(range(3), 3))]
    grey = a.mean(2, keepdims=True)
    a = grey + (a - grey) * rng.uniform(0.3, 1.6)
    return np.clip(a * rng.uniform(0.7, 1.2), 0, 255).astype(np.uint8)


def side_by_side(a, b):
    """Two views as one image, left half of one beside right half of the other."""
    h = min(a.shape[0], b.shape[0])
    w = min(a.shape[1], b.shape[1]) // 2
    return np.concatenate([a[:h, :w], b[:h, b.shape[1] - w:]], 1)


class OnlineBatches:
    def __init__(self, cfg, crop, sharp_share):
        self.photos = Photos(cfg, "train")
        self.sharp, self.soft = Paintings(cfg, "train", only="sharp"), Paintings(cfg, "train", only="soft")
        self.crop, self.sharp_share = crop, sharp_share

    def style_view(self, rng):
        paintings = self.sharp if rng.random() < self.sharp_share else self.soft
        return paintings.random_view(rng.randrange(len(paintings)), rng)

    def __call__(self, n, rng, gen):
        """x, moved [N,C,C,3] float 0..255, grid, style squares [N,3,256,256], style views (uint8 HWC)."""
        x = torch.from_numpy(np.stack([self.photos.random_crop(self.crop, rng) for _ in range(n)])).float()
        x_moved, grid = moved(x, gen)
        views = [self.style_view(rng) for _ in range(n)]
        return x, x_moved, grid, torch.stack([square(v) for v in views]), views

    def encoder_views(self, n, rng):
        """n extra style images for the style encoder alone (photos, jittered views, pairs): their
        squares [n,3,256,256] and the views themselves (uint8 HWC)."""
        out = []
        for _ in range(n):
            kind = rng.randrange(3)
            if kind == 0:
                v = self.photos.random_crop(rng.choice((192, 256)), rng)
            elif kind == 1:
                v = jitter(self.style_view(rng), rng)
            else:
                v = side_by_side(self.style_view(rng), self.style_view(rng))
            out.append(v)
        return torch.stack([square(v) for v in out]), out


class Teacher:
    """The Magenta network as a labeller (no gradients): style vectors and stylizations."""

    def __init__(self, weights_dir):
        self.predictor, self.transformer = load_magenta(weights_dir)

    @torch.no_grad()
    def code(self, squares):
        return self.predictor(squares / 255.0)

    @torch.no_grad()
    def stylize(self, x_nhwc, code):
        y = self.transformer(x_nhwc.permute(0, 3, 1, 2) / 255.0, code)
        return (y.clamp(0, 1) * 255.0).permute(0, 2, 3, 1)


@torch.no_grad()
def view_targets(vgg, views):
    """stylemetrics' style statistics of each view at its own size: [(mean, std)] per layer, batched.
    The features in bf16 (a quarter of a step's time in fp32), their statistics in fp32."""
    rows = []
    for v in views:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            feats = vgg(to_chw(v)[None] / 255.0)
        rows.append(feature_stats([f.float() for f in feats]))
    return [(torch.cat([r[k][0] for r in rows]), torch.cat([r[k][1] for r in rows])) for k in range(len(rows[0]))]
