"""A static int8 variant of an exported `paint` stylizer: ORT QLinearConv nodes (per-channel int8
weights, per-tensor uint8 activations) for every conv but the first, ranges calibrated on held-out
photos.

  /usr/bin/python3 -m models.train.paint.quantize --ckpt models/train/paint/run/last.pt --model models/paint
writes MODEL/stylizer.int8.onnx and names it in MODEL/model.json as `stylizerInt8` (the runtime
times both graphs on the running CPU and uses int8 only where it is faster).

The graph is written with explicit QLinearConv nodes rather than QDQ pairs, because the float
work between convs costs more than the convs (ORT's profile), and a QDQ graph dequantizes each
conv output once per consumer (three times before a CIN). Instead:
  - each body conv feeds only its conditional instance norm, which is blind to a per-channel gain
    and offset of its input (CIN(k*(x - c)) = CIN(x) once epsilon is scaled by k*k). So each
    output channel is stretched over the whole uint8 range (one per-tensor scale would leave the
    narrow channels a few steps, noise their CIN then amplifies), and the uint8 output is cast,
    centred and normalised as it is, never dequantized;
  - the last conv writes the uint8 picture itself (scale 1, zero point 0: QLinearConv's
    saturation is the clamp to 0..255, its rounding the one the float graph adds 0.5 for).
The first conv stays float: it reads the full-size frame through one input channel, where
QLinearConv measured 1.6x slower than the float conv and its cast together.
"""
import argparse
import json
import random
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper

from models.train.paint.data import Paintings, Photos, load_config
from models.train.paint.net import checkpoint_net

HERE = Path(__file__).resolve().parent

INT8_FILE = "stylizer.int8.onnx"
LAST = "out"


def normalised_convs(net):
    """The convs each followed by a CIN, by module name: down, residual blocks, up."""
    blocks = [f"res.{k}.{j}" for k in range(len(net.res)) for j in (0, 1)]
    return ("down2", "down3", *blocks, "up2", "up1")

MARGIN = 1.25  # room around each channel's calibrated range (1.5 and 2 measured less faithful)


def calibrate(net, cfg, frames=8, seed=7):
    """Per conv, the lowest and highest value of its input and of its output over held-out photos
    at 640x352 (and per output channel for the normalised convs). The last conv is applied
    functionally, so its input range is read off the CIN layer before it (through the ReLU)."""
    photos, paintings = Photos(cfg, "val"), Paintings(cfg, "val")
    rng = random.Random(seed)
    hooked = {**{n: n for n in normalised_convs(net)}, LAST: "cin.2.0"}
    ranges = {name: [np.inf, -np.inf, np.inf, -np.inf] for name in hooked}
    channels = {}  # per output channel (lowest, highest), for the normalised convs
    modules = dict(net.named_modules())

    def hook(name):
        def f(_, inputs, output):
            r = ranges[name]
            x, y = (F.relu(output), output) if name == LAST else (inputs[0], output)
            r[:] = [min(r[0], float(x.min())), max(r[1], float(x.max())),
                    min(r[2], float(y.min())), max(r[3], float(y.max()))]
            if name != LAST:
                low, high = y.amin((0, 2, 3)).numpy(), y.amax((0, 2, 3)).numpy()
                old = channels.get(name)
                channels[name] = (low, high) if old is None else (np.minimum(old[0], low), np.maximum(old[1], high))
        return f

    handles = [modules[m].register_forward_hook(hook(n)) for n, m in hooked.items()]
    from PIL import Image
    with torch.no_grad():
        for k in range(frames):
            img = Image.fromarray(photos.images[k % len(photos)]).resize((640, 352), Image.BICUBIC)
            x = torch.from_numpy(np.asarray(img).copy()).float()[None]
            code = net.encode_style(paintings.read(rng.randrange(len(paintings)), net.style_read))
            net.stylize(x, code, torch.ones(1, net.levels))
    for h in handles:
        h.remove()
    return ranges, channels


def activation(low, high):
    """uint8 scale and zero point for values in [low, high]: zero point 0 for a ReLU's output
    (twice the resolution), else 128 around zero."""
    if low >= 0:
        return high / 255.0, np.array(0, np.uint8)
    return max(-low, high) / 127.0, np.array(128, np.uint8)


class Rewriter:
    """Edits an ONNX graph in place: new initializers, node swaps, and who reads each tensor."""

    def __init__(self, model):
        self.g = model.graph
        self.inits = {i.name: i for i in self.g.initializer}
        self.consumers = {}
        for n in self.g.node:
            for i, t in enumerate(n.input):
                self.consumers.setdefault(t, []).append((n, i))

    def const(self, name, array):
        self.inits[name] = numpy_helper.from_array(array, name)
        self.g.initializer.append(self.inits[name])
        return name

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
        """(name, scale, zero point) of a conv's float input quantized; appends the node."""
        q = (f"{p}_x", self.const(f"{p}_x_scale", np.array(scale, np.float32)),
             self.const(f"{p}_x_zero", zero))
        nodes.append(helper.make_node("QuantizeLinear", [tensor, q[1], q[2]], [q[0]]))
        return q

    def qconv(self, conv, x, y_scale, y_zero, p, bias_offset=0.0, gain=1.0, centre=0.0):
        """QLinearConv computing gain * (conv(x) - centre) per output channel."""
        w = numpy_helper.to_array(self.inits[conv.input[1]])
        gain = np.broadcast_to(np.asarray(gain, np.float32), w.shape[:1])
        w = w * gain[:, None, None, None]
        b = (numpy_helper.to_array(self.inits[conv.input[2]]) - bias_offset - centre) * gain
        w_scale = np.maximum(np.abs(w).reshape(w.shape[0], -1).max(1), 1e-8) / 127.0
        wq = np.clip(np.round(w / w_scale[:, None, None, None]), -127, 127).astype(np.int8)
        x_scale = float(numpy_helper.to_array(self.inits[x[1]]))
        bq = np.round(b / (x_scale * w_scale)).astype(np.int32)
        ys = self.const(f"{p}_y_scale", np.array(y_scale, np.float32))
        yz = self.const(f"{p}_y_zero", y_zero)
        inputs = [x[0], x[1], x[2], self.const(f"{p}_w", wq),
                  self.const(f"{p}_w_scale", w_scale.astype(np.float32)),
                  self.const(f"{p}_w_zero", np.zeros(len(w_scale), np.int8)), ys, yz,
                  self.const(f"{p}_b", bq)]
        attrs = {a.name: helper.get_attribute_value(a) for a in conv.attribute}
        return helper.make_node("QLinearConv", inputs, [f"{p}_y"], name=f"{p}_conv", **attrs), (f"{p}_y", ys, yz)


def conv_nodes(g):
    return {n.input[1][len("net."):-len(".weight")]: n for n in g.node if n.op_type == "Conv"}


def quantize(model, calibration):
    ranges, channels = calibration
    r = Rewriter(model)
    convs = conv_nodes(r.g)

    # Body convs: uint8 out, each channel stretched, centred in float for its CIN.
    for name in channels:  # the normalised convs
        conv = convs[name]
        p, nodes = f"q_{name}", []
        x = r.quantized_input(conv.input[0], *activation(*ranges[name][:2]), p, nodes)
        # stretch every channel over the whole uint8 range (see the top), with MARGIN around it
        low, high = channels[name]
        centre, half = (low + high) / 2, np.maximum((high - low) / 2, 1e-6) * MARGIN
        gain = 1.0 / half
        scale, zero = 1.0 / 127.0, np.array(128, np.uint8)
        q, y = r.qconv(conv, x, scale, zero, p, gain=gain, centre=centre)
        users = r.consumers.get(conv.output[0], [])
        gaps = [c for c, _ in users if c.op_type == "GlobalAveragePool"]
        layer = gaps[0].name.rsplit("/", 1)[0] if len(gaps) == 1 else None
        if layer is None or any(c.name.rsplit("/", 1)[0] != layer for c, _ in users):
            raise SystemExit(f"quantize: {name} must feed only its CIN layer")
        epsilon_add(r, layer, (gain * gain / (scale * scale)).reshape(1, -1, 1, 1), p)
        r.redirect(conv.output[0], f"{p}_y_float")
        # ORT runs QLinearConv in NHWC and moves its transpose back to NCHW past a Cast, making it a
        # float transpose (4x the bytes, 2 ms at 1/4 size); a same-shape Reshape keeps it in uint8.
        same = r.const(f"{p}_same_shape", np.zeros(4, np.int64))
        # Centred (q - 128): CIN's variance is E[x*x] - E[x]^2, which float rounding spoils when
        # every value carries an offset of 128 (measured: 2x the int8 graph's error).
        middle = r.const(f"{p}_middle", np.array(128.0, np.float32))
        r.replace([conv], nodes + [q, helper.make_node("Reshape", [y[0], same], [f"{p}_y_held"]),
                                   helper.make_node("Cast", [f"{p}_y_held"], [f"{p}_y_offset"], to=onnx.TensorProto.FLOAT),
                                   helper.make_node("Sub", [f"{p}_y_offset", middle], [f"{p}_y_float"])])

    # Last conv: the uint8 picture out (float graph: Conv -> Clip -> Cast, with +0.5 in the bias).
    conv = convs[LAST]
    clip = r.consumers[conv.output[0]][0][0]
    cast = r.consumers[clip.output[0]][0][0]
    assert clip.op_type == "Clip" and cast.op_type == "Cast"
    nodes = []
    x = r.quantized_input(conv.input[0], *activation(*ranges[LAST][:2]), "q_out", nodes)
    q, y = r.qconv(conv, x, 1.0, np.array(0, np.uint8), "q_out", bias_offset=0.5)
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
    p.add_argument("--weights", choices=("ema", "model"), default="ema", help="as export's --weights")
    a = p.parse_args()
    ck = torch.load(a.ckpt, map_location="cpu")
    cfg = load_config(HERE / "config.json")
    net = checkpoint_net(ck, a.weights).eval().fold()
    folder = Path(a.model)
    card = json.loads((folder / "model.json").read_text())
    model = quantize(onnx.load(str(folder / card["stylizer"])), calibrate(net, cfg))
    onnx.save(model, str(folder / INT8_FILE))
    card["stylizerInt8"] = INT8_FILE
    (folder / "model.json").write_text(json.dumps(card, indent=2) + "\n")
    print(folder / INT8_FILE)


if __name__ == "__main__":
    main()
