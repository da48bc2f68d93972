"""Multiply-accumulates of the `paint` stylizer per resolution level, for one frame.

  /usr/bin/python3 -m models.train.paint.macs [--config C] [--width 1280 --height 720]
Counts every Conv and Linear (the style net on the frame's 256x256 subsample included) with hooks.
"""
import argparse
from collections import defaultdict
from pathlib import Path

import torch
import torch.nn as nn

from models.train.paint.data import load_config
from models.train.paint.net import net_from

HERE = Path(__file__).resolve().parent


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default=str(HERE / "config.json"))
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--height", type=int, default=720)
    a = p.parse_args()
    net = net_from(load_config(a.config)).eval()
    per_level = defaultdict(int)

    def hook(module, inputs, output):
        if isinstance(module, nn.Conv2d):
            k = module.weight[0].numel()
            macs = output.numel() // output.shape[0] * k
            level = "style net (frame's own code)" if module in style_modules else f"1/{a.width // output.shape[3]}"
        else:
            macs, level = module.weight.numel(), "style net (frame's own code)" if module in style_modules else "code -> modulation"
        per_level[level] += macs

    style_modules = set(net.style.modules())
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            m.register_forward_hook(hook)
    with torch.no_grad():
        net.stylize(torch.zeros(1, a.height, a.width, 3), torch.zeros(1, net.code_size), torch.ones(1, net.levels))
    total = sum(per_level.values())
    for level, macs in sorted(per_level.items(), key=lambda kv: -kv[1]):
        print(f"{level:32s} {macs / 1e6:9.1f} M")
    print(f"{'total':32s} {total / 1e9:9.3f} G at {a.width}x{a.height}")


if __name__ == "__main__":
    main()
