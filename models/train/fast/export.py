"""Export a checkpoint (or random weights) to the stylecast model contract.

  /usr/bin/python3 -m models.train.fast.export --ckpt models/train/runs/fast/last.pt --out models/fast
  /usr/bin/python3 -m models.train.fast.export --random --widths 16,32,64 --blocks 2 --out /tmp/cand
"""
import argparse
import copy
import json
from pathlib import Path

import onnx
import torch

from models.train.fast.net import STYLE_SIZE, Net, StyleEncoderGraph, StylizerGraph

OPSET = 17


def export(net, out, meta=None):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    net = copy.deepcopy(net).eval().fold()
    image = torch.randint(0, 256, (1, 64, 96, 3), dtype=torch.uint8)
    code = torch.rand(1, net.code_size)
    alpha = torch.ones(1, net.levels)
    with torch.no_grad():
        torch.onnx.export(
            StylizerGraph(net), (image, code, alpha), str(out / "stylizer.onnx"),
            input_names=["image", "code", "alpha"], output_names=["stylized"],
            dynamic_axes={"image": {0: "N", 1: "H", 2: "W"}, "code": {0: "N"}, "alpha": {0: "N"},
                          "stylized": {0: "N", 1: "H", 2: "W"}},
            opset_version=OPSET, do_constant_folding=True,
        )
        style = torch.randint(0, 256, (1, 300, 200, 3), dtype=torch.uint8)
        torch.onnx.export(
            StyleEncoderGraph(net), (style,), str(out / "style_encoder.onnx"),
            input_names=["style"], output_names=["code"],
            dynamic_axes={"style": {1: "H", 2: "W"}},
            opset_version=OPSET, do_constant_folding=True,
        )
    # the code of the one style image is [1,K]: say so in the graph's declared output shape
    enc = onnx.load(str(out / "style_encoder.onnx"))
    enc.graph.output[0].type.tensor_type.shape.dim[0].dim_value = 1
    onnx.checker.check_model(enc)
    onnx.save(enc, str(out / "style_encoder.onnx"))
    manifest = {
        "name": "fast",
        "family": "adain",
        "styleEncoder": "style_encoder.onnx",
        "stylizer": "stylizer.onnx",
        "codeSize": net.code_size,
        "levels": net.levels,
        "sizeMultiple": 16,
        "styleSize": STYLE_SIZE,
    }
    manifest.update(meta or {})
    (out / "model.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ckpt")
    p.add_argument("--random", action="store_true")
    p.add_argument("--widths", default="16,32,64")
    p.add_argument("--blocks", type=int, default=2)
    p.add_argument("--out", required=True)
    p.add_argument("--meta", help="JSON file merged into model.json (license, source)")
    a = p.parse_args()
    if a.ckpt:
        ck = torch.load(a.ckpt, map_location="cpu")
        cfg = ck["config"]
        net = Net(*cfg["widths"], blocks=cfg["blocks"])
        net.load_state_dict(ck["ema"] if "ema" in ck else ck["model"])
    else:
        torch.manual_seed(0)
        net = Net(*[int(v) for v in a.widths.split(",")], blocks=a.blocks)
    meta = json.loads(Path(a.meta).read_text()) if a.meta else None
    print(json.dumps(export(net, a.out, meta)))


if __name__ == "__main__":
    main()
