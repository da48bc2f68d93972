"""A static int8 (QDQ) variant of an exported `paint` stylizer: per-channel int8 weights and
per-tensor int8 activations around the 3x3 body convs, ranges calibrated on held-out photos.

  /usr/bin/python3 models/train/paint/quantize.py --ckpt models/train/paint/run/last.pt --model models/paint
writes MODEL/stylizer.int8.onnx and names it in MODEL/model.json as `stylizerInt8` (the runtime
times both graphs on the running CPU and uses int8 only where it is faster).
ORT fuses each DequantizeLinear -> Conv -> QuantizeLinear unit into one integer conv (VNNI/AMX on
CPUs that have them). The first conv (reading the full-size frame) and the last projection stay
float: at full size int8 was measured slower than fp32 on this machine.
"""
import argparse
import copy
import json
import random
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from data import Paintings, Photos, load_config  # noqa: E402
from export import net_from  # noqa: E402

INT8_FILE = "stylizer.int8.onnx"
QUANTIZED = ("down2", "down3", "res.0.0", "res.0.1", "up2", "up1")


def calibrate(net, cfg, frames=8, seed=7):
    """Largest |input| and |output| of each quantized conv over held-out photos at 640x352."""
    photos, paintings = Photos(cfg, "val"), Paintings(cfg, "val")
    rng = random.Random(seed)
    ranges = {name: [0.0, 0.0] for name in QUANTIZED}
    modules = dict(net.named_modules())

    def hook(name):
        def f(_, inputs, output):
            r = ranges[name]
            r[0] = max(r[0], float(inputs[0].abs().max()))
            r[1] = max(r[1], float(output.abs().max()))
        return f

    handles = [modules[n].register_forward_hook(hook(n)) for n in QUANTIZED]
    from PIL import Image
    with torch.no_grad():
        for k in range(frames):
            img = Image.fromarray(photos.images[k % len(photos)]).resize((640, 352), Image.BICUBIC)
            x = torch.from_numpy(np.asarray(img).copy()).float()[None]
            code = net.encode_style(paintings.square(rng.randrange(len(paintings)))[None])
            net.stylize(x, code, torch.ones(1, net.levels))
    for h in handles:
        h.remove()
    return ranges


def qdq(graph, tensor, scale, prefix):
    """Insert QuantizeLinear -> DequantizeLinear after `tensor`; returns the dequantized name."""
    s, z = f"{prefix}_scale", f"{prefix}_zero"
    graph.initializer.extend([numpy_helper.from_array(np.array(scale, np.float32), s),
                              numpy_helper.from_array(np.array(128, np.uint8), z)])
    q, dq = f"{prefix}_q", f"{prefix}_dq"
    graph.node.extend([helper.make_node("QuantizeLinear", [tensor, s, z], [q]),
                       helper.make_node("DequantizeLinear", [q, s, z], [dq])])
    return dq


def quantize(model, ranges):
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    consumers = {}
    for n in g.node:
        for i, t in enumerate(n.input):
            consumers.setdefault(t, []).append((n, i))
    for n in list(g.node):
        if n.op_type != "Conv":
            continue
        name = n.input[1][len("net."):-len(".weight")]
        if name not in QUANTIZED:
            continue
        in_max, out_max = ranges[name]
        w = numpy_helper.to_array(inits[n.input[1]])
        w_scale = np.maximum(np.abs(w).reshape(w.shape[0], -1).max(1), 1e-8) / 127.0
        wq = np.clip(np.round(w / w_scale[:, None, None, None]), -127, 127).astype(np.int8)
        p = f"q_{name}"
        g.initializer.extend([numpy_helper.from_array(wq, f"{p}_w"),
                              numpy_helper.from_array(w_scale.astype(np.float32), f"{p}_w_scale"),
                              numpy_helper.from_array(np.zeros(len(w_scale), np.int8), f"{p}_w_zero")])
        g.node.append(helper.make_node("DequantizeLinear", [f"{p}_w", f"{p}_w_scale", f"{p}_w_zero"], [f"{p}_w_dq"], axis=0))
        n.input[0] = qdq(g, n.input[0], in_max / 127.0, f"{p}_in")
        n.input[1] = f"{p}_w_dq"
        out = n.output[0]
        dq = qdq(g, out, out_max / 127.0, f"{p}_out")
        for c, i in consumers.get(out, []):
            c.input[i] = dq
    # QDQ nodes were appended: restore a topological order
    order, done, pending = [], {i.name for i in g.initializer} | {i.name for i in g.input}, list(g.node)
    while pending:
        rest = []
        for n in pending:
            if all(t in done or t == "" for t in n.input):
                order.append(n)
                done.update(n.output)
            else:
                rest.append(n)
        if len(rest) == len(pending):
            raise SystemExit("quantize: the graph has a cycle or a missing input")
        pending = rest
    del g.node[:]
    g.node.extend(order)
    used = {t for n in g.node for t in n.input}
    unused = [i for i in g.initializer if i.name not in used]  # the float weights now held as int8
    for i in unused:
        g.initializer.remove(i)
    onnx.checker.check_model(model)
    return model


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ckpt", required=True)
    p.add_argument("--model", required=True, help="the exported model folder (its stylizer.onnx is read)")
    a = p.parse_args()
    ck = torch.load(a.ckpt, map_location="cpu")
    cfg = load_config(HERE / "config.json")
    net = net_from(ck["config"])
    net.load_state_dict(ck["ema"])
    net = copy.deepcopy(net).eval().fold()
    folder = Path(a.model)
    card = json.loads((folder / "model.json").read_text())
    model = quantize(onnx.load(str(folder / card["stylizer"])), calibrate(net, cfg))
    onnx.save(model, str(folder / INT8_FILE))
    card["stylizerInt8"] = INT8_FILE
    (folder / "model.json").write_text(json.dumps(card, indent=2) + "\n")
    print(folder / INT8_FILE)


if __name__ == "__main__":
    main()
