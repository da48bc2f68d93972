"""The held-out measure a run logs every val_every steps (val.csv) and validate.py prints."""
import random

import numpy as np
import torch
from PIL import Image

from models.train.paint.data import Paintings, Photos
from models.train.vgg import content_distance, feature_stats, style_distance


class Validation:
    """Fixed held-out pairs (held-out photos and paintings), scored with stylemetrics' style and
    content distances: 12 at 256x256 (centre crops, the training scale) and 6 at 1280x720 (the
    photo enlarged to cover the frame: the smooth, large-scale content of real 720p video), and 6 at
    1280x720 with held-out images of paintings/sharp/ (read at stylemetrics' size, as sharp as a
    user's own style images: the hard case). Each style is read as the student reads it (its
    `style_read`: squashed to 256x256 before stage `read512`, at a longer side of 512 from it)."""

    SIZES = {"": ((256, 256), 12, "soft"), "720": ((1280, 720), 6, "soft"), "sharp720": ((1280, 720), 6, "sharp")}
    COLUMNS = [f"val{name}_{k}" for name in SIZES for k in ("style", "content")]

    def __init__(self, cfg, vgg):
        photos = Photos(cfg, "val")
        self.vgg, self.sets = vgg, {}
        with torch.no_grad():
            for name, ((w, h), pairs, only) in self.SIZES.items():
                paintings = Paintings(cfg, "val", only=only)
                rng, items = random.Random(1234), []
                for k in range(pairs):
                    img = Image.fromarray(photos.images[k % len(photos)])
                    s = max(w / img.width, h / img.height)
                    img = img.resize((round(img.width * s), round(img.height * s)), Image.BICUBIC)
                    x0, y0 = (img.width - w) // 2, (img.height - h) // 2
                    x = torch.from_numpy(np.asarray(img.crop((x0, y0, x0 + w, y0 + h))).copy()).float()[None]
                    j = rng.randrange(len(paintings))
                    items.append((x, (paintings, j), feature_stats(vgg(paintings.vgg_view(j)[None] / 255.0)),
                                  vgg(x.permute(0, 3, 1, 2) / 255.0)[2]))
                self.sets[name] = items

    @torch.no_grad()
    def __call__(self, net):
        """{column: value} for COLUMNS (style and content distance of each set)"""
        out = {}
        for name, items in self.sets.items():
            S, C = [], []
            for x, (paintings, j), target, content in items:
                code = net.encode_style(paintings.read(j, net.style_read))
                y = net.stylize_nhwc(x, code, torch.ones(1, net.levels)).clamp(0, 255).round()
                f = self.vgg(y.permute(0, 3, 1, 2) / 255.0)
                S.append(float(style_distance(feature_stats(f), target)))
                C.append(float(content_distance(f[2], content)))
            out[f"val{name}_style"], out[f"val{name}_content"] = float(np.mean(S)), float(np.mean(C))
        return out
