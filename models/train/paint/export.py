"""Export a `paint` checkpoint (its EMA weights) to the stylecast model contract.

  /usr/bin/python3 -m models.train.paint.export --ckpt models/train/paint/run/last.pt --out models/paint
  /usr/bin/python3 -m models.train.paint.export --random --out /tmp/cand      (speed probes)
"""
import argparse
import copy
import json
from pathlib import Path

import onnx
import torch

from models.train.paint.data import load_config
from models.train.paint.net import STYLE_SIZE, StyleEncoderGraph, StylizerGraph, checkpoint_net, net_from

OPSET = 17
SIZE_MULTIPLE = 16


def export(net, out, meta=None):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    net = copy.deepcopy(net).eval().fold()
    image = torch.randint(0, 256, (1, 64, 96, 3), dtype=torch.uint8)
    with torch.no_grad():
        torch.onnx.export(
            StylizerGraph(net), (image, torch.rand(1, net.code_size), torch.ones(1, net.levels)),
            str(out / "stylizer.onnx"), input_names=["image", "code", "alpha"], output_names=["stylized"],
            dynamic_axes={"image": {0: "N", 1: "H", 2: "W"}, "code": {0: "N"}, "alpha": {0: "N"},
                          "stylized": {0: "N", 1: "H", 2: "W"}},
            opset_version=OPSET, do_constant_folding=True,
        )
        torch.onnx.export(
            StyleEncoderGraph(net), (torch.randint(0, 256, (1, 300, 200, 3), dtype=torch.uint8),),
            str(out / "style_encoder.onnx"), input_names=["style"], output_names=["code"],
            dynamic_axes={"style": {1: "H", 2: "W"}}, opset_version=OPSET, do_constant_folding=True,
        )
    enc = onnx.load(str(out / "style_encoder.onnx"))  # one style image -> a [1,K] code: say so
    enc.graph.output[0].type.tensor_type.shape.dim[0].dim_value = 1
    onnx.checker.check_model(enc)
    onnx.save(enc, str(out / "style_encoder.onnx"))
    manifest = {
        "name": "paint", "family": "cin", "styleEncoder": "style_encoder.onnx", "stylizer": "stylizer.onnx",
        "codeSize": net.code_size, "levels": net.levels, "sizeMultiple": SIZE_MULTIPLE,
        "styleSize": net.style_read or STYLE_SIZE,
    }
    if net.style_read:  # the runtime resizes a style to a longer side of styleSize, aspect kept
        manifest["styleFit"] = "inside"
    manifest.update(meta or {})
    (out / "model.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ckpt")
    p.add_argument("--weights", choices=("ema", "model"), default="ema",
                   help="the checkpoint's EMA (default) or its raw weights (a stage shorter than the EMA's memory)")
    p.add_argument("--random", action="store_true", help="random weights of --config's model (speed probes)")
    p.add_argument("--config", default=str(Path(__file__).resolve().parent / "config.json"))
    p.add_argument("--out", required=True)
    p.add_argument("--meta", help="JSON file merged into model.json (license, source)")
    a = p.parse_args()
    if a.ckpt:
        ck = torch.load(a.ckpt, map_location="cpu")
        net = checkpoint_net(ck, a.weights)
    else:
        torch.manual_seed(0)
        net = net_from(load_config(a.config))
    meta = json.loads(Path(a.meta).read_text()) if a.meta else None
    print(json.dumps(export(net, a.out, meta)))


if __name__ == "__main__":
    main()
