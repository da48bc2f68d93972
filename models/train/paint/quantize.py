"""A static int8 variant of an exported `paint` stylizer: ORT QLinearConv nodes (per-channel int8
weights, per-tensor uint8 activations) for the body convs and the last projection, ranges
calibrated on held-out photos.

  /usr/bin/python3 models/train/paint/quantize.py --ckpt models/train/paint/run/last.pt --model models/paint
writes MODEL/stylizer.int8.onnx and names it in MODEL/model.json as `stylizerInt8` (the runtime
times both graphs on the running CPU and uses int8 only where it is faster).

The graph is written with explicit QLinearConv nodes rather than QDQ pairs, because the float
work between convs costs more than the convs (ORT's profile): a QDQ graph dequantizes each conv
output once per consumer, while here
  - the body convs feed only their conditional instance norm, which cancels any per-tensor scale
    and offset of its input (CIN(s*(q - z)) = CIN(q) once epsilon is divided by s*s), so their
    uint8 outputs are cast to float and normalised as they are, never dequantized;
  - the last conv writes the uint8 picture itself (scale 1, zero point 0: QLinearConv's
    saturation is the clamp to 0..255, its rounding the one the float graph adds 0.5 for).
Two convs stay float. The first reads the full-size frame through one input channel, where
QLinearConv measured 1.6x slower than the float conv and its cast together. `up1` (1/4 size):
some of its channels spread over a small part of the layer's range, so one uint8 scale for the
whole tensor (QLinearConv has no per-channel output scale) leaves noise that their CIN then
amplifies; quantized, it moved the output 10-20 levels (mean, of 255) from the float graph's.
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
import torch.nn.functional as F
from onnx import helper, numpy_helper

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from data import Paintings, Photos, load_config  # noqa: E402
from export import net_from  # noqa: E402

INT8_FILE = "stylizer.int8.onnx"
LAST = "out"
NORMALISED = ("down2", "down3", "res.0.0", "res.0.1", "up2")  # each followed by its CIN; not up1 (above)


def calibrate(net, cfg, frames=8, seed=7):
    """Per conv, the lowest and highest value of its input and of its output over held-out photos
    at 640x352. The last conv is applied functionally, so its input range is read off the CIN layer
    before it (through the ReLU)."""
    photos, paintings = Photos(cfg, "val"), Paintings(cfg, "val")
    rng = random.Random(seed)
    hooked = {**{n: n for n in NORMALISED}, LAST: "cin.2.0"}
    ranges = {name: [np.inf, -np.inf, np.inf, -np.inf] for name in hooked}
    modules = dict(net.named_modules())

    def hook(name):
        def f(_, inputs, output):
            r = ranges[name]
            x, y = (F.relu(output), output) if name == LAST else (inputs[0], output)
            r[:] = [min(r[0], float(x.min())), max(r[1], float(x.max())),
                    min(r[2], float(y.min())), max(r[3], float(y.max()))]
        return f

    handles = [modules[m].register_forward_hook(hook(n)) for n, m in hooked.items()]
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


def activation(low, high):
    """uint8 scale and zero point for values in [low, high]: zero point 0 for a ReLU's output
    (twice the resolution), else 128 around zero."""
    if low >= 0:
        return high / 255.0, 0
    return max(-low, high) / 127.0, 128


class Rewriter:
    def __init__(self, model):
        self.g = model.graph
        self.inits = {i.name: i for i in self.g.initializer}
        self.consumers = {}
        for n in self.g.node:
            for i, t in enumerate(n.input):
                self.consumers.setdefault(t, []).append((n, i))
        self.uint8 = {}  # float tensor -> (its uint8 tensor, scale, zero point)

    def const(self, name, array):
        self.inits[name] = numpy_helper.from_array(array, name)
        self.g.initializer.append(self.inits[name])
        return name

    def producer(self, tensor):
        return next(n for n in self.g.node if tensor in n.output)

    def replace(self, old_nodes, new_nodes):
        k = min(list(self.g.node).index(n) for n in old_nodes)
        for n in old_nodes:
            self.g.node.remove(n)
        for j, n in enumerate(new_nodes):
            self.g.node.insert(k + j, n)

    def redirect(self, tensor, to):
        for c, i in self.consumers.get(tensor, []):
            c.input[i] = to

    def quantized_input(self, tensor, scale, zero, p, nodes):
        """The uint8 form of a conv's float input: reused where it exists at this scale."""
        if tensor in self.uint8:
            return self.uint8[tensor]
        q = (f"{p}_x", self.const(f"{p}_x_scale", np.array(scale, np.float32)),
             self.const(f"{p}_x_zero", np.array(zero, np.uint8)))
        nodes.append(helper.make_node("QuantizeLinear", [tensor, q[1], q[2]], [q[0]]))
        return q

    def qconv(self, conv, x, y_scale, y_zero, p, bias_offset=0.0):
        w = numpy_helper.to_array(self.inits[conv.input[1]])
        b = numpy_helper.to_array(self.inits[conv.input[2]]) - bias_offset
        w_scale = np.maximum(np.abs(w).reshape(w.shape[0], -1).max(1), 1e-8) / 127.0
        wq = np.clip(np.round(w / w_scale[:, None, None, None]), -127, 127).astype(np.int8)
        x_scale = float(numpy_helper.to_array(self.inits[x[1]]))
        bq = np.round(b / (x_scale * w_scale)).astype(np.int32)
        ys = self.const(f"{p}_y_scale", np.array(y_scale, np.float32))
        yz = self.const(f"{p}_y_zero", np.array(y_zero, np.uint8))
        inputs = [x[0], x[1], x[2], self.const(f"{p}_w", wq),
                  self.const(f"{p}_w_scale", w_scale.astype(np.float32)),
                  self.const(f"{p}_w_zero", np.zeros(len(w_scale), np.int8)), ys, yz,
                  self.const(f"{p}_b", bq)]
        attrs = {a.name: helper.get_attribute_value(a) for a in conv.attribute}
        return helper.make_node("QLinearConv", inputs, [f"{p}_y"], name=f"{p}_conv", **attrs), (f"{p}_y", ys, yz)


def conv_nodes(g):
    return {n.input[1][len("net."):-len(".weight")]: n for n in g.node if n.op_type == "Conv"}


def quantize(model, ranges):
    r = Rewriter(model)
    convs = conv_nodes(r.g)

    # Body convs: uint8 out, cast to float for CIN, which removes the scale and zero point.
    for name in NORMALISED:
        conv = convs[name]
        p, nodes = f"q_{name}", []
        x = r.quantized_input(conv.input[0], *activation(*ranges[name][:2]), p, nodes)
        scale, zero = activation(*ranges[name][2:])
        q, y = r.qconv(conv, x, scale, zero, p)
        users = r.consumers.get(conv.output[0], [])
        gaps = [c for c, _ in users if c.op_type == "GlobalAveragePool"]
        layer = gaps[0].name.rsplit("/", 1)[0] if len(gaps) == 1 else None
        if layer is None or any(c.name.rsplit("/", 1)[0] != layer for c, _ in users):
            raise SystemExit(f"quantize: {name} must feed only its CIN layer")
        epsilon_add(r, layer, 1.0 / (scale * scale), p)
        r.redirect(conv.output[0], f"{p}_y_float")
        # ORT runs QLinearConv in NHWC and moves its transpose back to NCHW past a Cast, making it a
        # float transpose (4x the bytes, 2 ms at 1/4 size); a same-shape Reshape keeps it in uint8.
        same = r.const(f"{p}_same_shape", np.zeros(4, np.int64))
        r.replace([conv], nodes + [q, helper.make_node("Reshape", [y[0], same], [f"{p}_y_held"]),
                                   helper.make_node("Cast", [f"{p}_y_held"], [f"{p}_y_float"], to=onnx.TensorProto.FLOAT)])

    # Last conv: the uint8 picture out (float graph: Conv -> Clip -> Cast, with +0.5 in the bias).
    conv = convs[LAST]
    clip = r.consumers[conv.output[0]][0][0]
    cast = r.consumers[clip.output[0]][0][0]
    assert clip.op_type == "Clip" and cast.op_type == "Cast"
    nodes = []
    x = r.quantized_input(conv.input[0], *activation(*ranges[LAST][:2]), "q_out", nodes)
    q, y = r.qconv(conv, x, 1.0, 0, "q_out", bias_offset=0.5)
    r.redirect(cast.output[0], y[0])
    r.replace([conv, clip, cast], nodes + [q])

    used = {t for n in r.g.node for t in n.input}
    for i in [i for i in r.g.initializer if i.name not in used]:  # the float weights now held as int8
        r.g.initializer.remove(i)
    onnx.checker.check_model(model)
    return model


def epsilon_add(r, layer, factor, p):
    """Scale the epsilon of CIN `layer` (the Add with a constant input) by `factor`."""
    constants = {n.output[0]: n for n in r.g.node if n.op_type == "Constant" and n.name.startswith(layer + "/")}
    adds = [(n, i) for n in r.g.node if n.op_type == "Add" and n.name.startswith(layer + "/")
            for i, t in enumerate(n.input) if t in constants]
    if len(adds) != 1:
        raise SystemExit(f"quantize: expected one epsilon Add in {layer}, found {len(adds)}")
    add, i = adds[0]
    constant = constants[add.input[i]]
    eps = numpy_helper.to_array(constant.attribute[0].t)
    add.input[i] = r.const(f"{p}_epsilon", (eps * factor).astype(np.float32))
    r.g.node.remove(constant)


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
