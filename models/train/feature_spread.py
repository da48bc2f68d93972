"""How much of a style's texture an output carries: per VGG layer (relu1_1, relu2_1, relu3_1), the
mean over channels of log(std of the output's feature / std of the style's), read as stylemetrics
reads them (the output at its own size, the style at a longer side of 512).

    /usr/bin/python3 -m models.train.feature_spread STYLE IMAGE [IMAGE ...]

Prints one JSON object: {IMAGE: [r1, r2, r3], ...}. 0 is the style's own spread; a tint that keeps
palette and edges but not strokes sits well below it (-0.2 and lower), blurry textures likewise.
"""
import json
import sys

import numpy as np
import torch
from PIL import Image

from models.train.vgg import VGG

STYLE_SIDE = 512


def read(path, longest=None):
    img = Image.open(path).convert("RGB")
    if longest:
        s = longest / max(img.size)
        img = img.resize((max(1, round(img.width * s)), max(1, round(img.height * s))), Image.BICUBIC)
    return torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1).float()[None] / 255.0


@torch.no_grad()
def spreads(vgg, x):
    return [f.flatten(2).std(2, unbiased=False)[0] for f in vgg(x)]


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    torch.set_num_threads(2)
    vgg = VGG()
    style = spreads(vgg, read(sys.argv[1], STYLE_SIDE))
    out = {}
    for path in sys.argv[2:]:
        own = spreads(vgg, read(path))
        out[path] = [round(float(torch.log((o + 1e-6) / (s + 1e-6)).mean()), 4) for o, s in zip(own, style)]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
