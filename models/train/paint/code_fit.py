"""How well the student's style code places images where the teacher does: R^2 of the checkpoint's
linear read-out of the code (training-only `code_head`) against the Magenta teacher's 100-d style
vector, on held-out paintings (sharp and other) and on the eval styles.

  /usr/bin/python3 -m models.train.paint.code_fit [--ckpt models/train/paint/run/last.pt]

Prints one JSON object: {set: {"r2": .., "images": n}}. Measures only: nothing here trains.
"""
import argparse
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from models.train.paint.data import Paintings, at_longest, load_config
from models.train.paint.net import checkpoint_net
from models.train.paint.online import Teacher, square

HERE = Path(__file__).resolve().parent


def r2(pred, target):
    return float(1 - ((pred - target) ** 2).sum() / ((target - target.mean(0)) ** 2).sum())


@torch.no_grad()
def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ckpt", default=str(HERE / "run" / "last.pt"))
    a = p.parse_args()
    torch.set_num_threads(2)
    ck = torch.load(a.ckpt, map_location="cpu")
    cfg = load_config(HERE / "config.json")
    net = checkpoint_net(ck)
    head = torch.nn.Linear(net.code_size, 100)
    head.load_state_dict(ck["code_head"])
    teacher = Teacher(cfg["paths"]["teacher"])
    sharp, other = Paintings(cfg, "val", only="sharp"), Paintings(cfg, "val", only="soft")
    evals = sorted((Path(cfg["paths"]["data"]) / "eval").glob("e*.style.jpg"))
    sets = {
        "held-out sharp": [sharp.image(i) for i in range(len(sharp))],
        "held-out other": [other.image(i) for i in range(len(other))],
        "eval styles": [Image.open(q).convert("RGB") for q in evals],
    }
    out = {"step": ck["step"]}
    for name, images in sets.items():
        squares = torch.stack([square(np.asarray(img)) for img in images])
        if net.style_read is None:
            codes = net.encode_style(squares)
        else:
            codes = torch.cat([net.encode_style(at_longest(img, net.style_read)[None]) for img in images])
        out[name] = {"r2": round(r2(head(codes), teacher.code(squares)), 4), "images": len(images)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
