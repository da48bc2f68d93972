"""Run a TFLite graph (as read by tflite_reader) as a torch module.

`TfliteGraph(model)` rebuilds the graph's operators, in file order, as torch operations on the
dequantized float weights. Inside, 4-D tensors are kept NCHW (torch's layout), so the caller
passes and receives NCHW tensors; `forward(*inputs)` takes the graph's inputs in order.

QUANTIZE and DEQUANTIZE are identities: the network runs in float32 on the dequantized weights.
With `quantize_activations=True` every int8/uint8 activation is fake-quantized with its own scale
and zero point (round, clamp, rescale), which imitates TFLite's integer kernels closely; rounding
has no gradient, so leave it off for training.

Only the operators that image networks of this kind use are supported; any other one raises
TfliteError naming it. Shapes that TFLite fixes in the file (a resize's target size, an average
pool's window) are read as ratios to the file's own shapes (×2 nearest resize, a global pool), so
the module runs at any input size the convolutions allow.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from models.importers.tflite_reader import TfliteError

NHWC_TO_NCHW = {0: 0, 1: 2, 2: 3, 3: 1}


def _activation(x, name):
    if name is None:
        return x
    if name == "RELU":
        return F.relu(x)
    if name == "RELU6":
        return torch.clamp(x, 0.0, 6.0)
    if name == "RELU_N1_TO_1":
        return torch.clamp(x, -1.0, 1.0)
    if name == "TANH":
        return torch.tanh(x)
    raise TfliteError(f"unsupported fused activation {name}")


def _same_pads(size, k, stride, dilation):
    """TensorFlow's SAME padding (more at the end than the start when odd)."""
    k = (k - 1) * dilation + 1
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + k - size, 0)
    return total // 2, total - total // 2


class TfliteGraph(nn.Module):
    def __init__(self, model, quantize_activations=False):
        super().__init__()
        self.model = model
        self.quantize_activations = quantize_activations
        self.steps = []  # (operator, parameter names)
        self._constants = {}
        for op in model.operators:
            self.steps.append(self._prepare(op))

    # -- weights -------------------------------------------------------------------------------
    def _register(self, op, tag, array):
        name = f"op{op.index}_{tag}"
        self.register_buffer(name, torch.from_numpy(array.copy()))
        return name

    def _const_for_broadcast(self, op, slot, index):
        """A constant operand of an elementwise op, laid out to broadcast against NCHW tensors."""
        value = self.model.constant(index)
        if value.ndim == 4:
            value = value.transpose(0, 3, 1, 2)
        elif value.ndim == 1 and value.size > 1:
            value = value.reshape(1, -1, 1, 1)
        elif value.ndim > 1:
            raise TfliteError(f"operator {op.index} {op.name}: constant of shape {list(value.shape)} not supported")
        return self._register(op, f"in{slot}", value)

    def _is_const(self, index):
        return index >= 0 and self.model.raw(index) is not None

    def _prepare(self, op):
        m, params = self.model, {}
        if op.name == "CONV_2D":
            w = m.constant(op.inputs[1])  # [O, kh, kw, I]
            params["weight"] = self._register(op, "weight", w.transpose(0, 3, 1, 2))
        elif op.name == "DEPTHWISE_CONV_2D":
            w = m.constant(op.inputs[1])  # [1, kh, kw, C*mult]
            params["weight"] = self._register(op, "weight", w.transpose(3, 0, 1, 2))
        if op.name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            if len(op.inputs) > 2 and op.inputs[2] >= 0:
                params["bias"] = self._register(op, "bias", m.constant(op.inputs[2]))
        elif op.name in ("ADD", "SUB", "MUL", "SQUARED_DIFFERENCE", "DIV", "MAXIMUM", "MINIMUM"):
            for slot, index in enumerate(op.inputs):
                if self._is_const(index):
                    params[f"in{slot}"] = self._const_for_broadcast(op, slot, index)
        elif op.name in ("MEAN", "SUM"):
            axes = [int(a) for a in m.raw(op.inputs[1]).reshape(-1)]
            rank = len(m.tensors[op.inputs[0]].shape)
            params["axes"] = [NHWC_TO_NCHW[a % 4] if rank == 4 else a for a in axes]
        elif op.name == "MIRROR_PAD":
            pads = m.raw(op.inputs[1]).tolist()
            if any(pads[0]) or any(pads[3]):
                raise TfliteError(f"operator {op.index} MIRROR_PAD pads batch or channels: {pads}")
            if op.options.get("mode") != "REFLECT":
                raise TfliteError(f"operator {op.index} MIRROR_PAD mode {op.options.get('mode')} not supported")
            params["pad"] = (pads[2][0], pads[2][1], pads[1][0], pads[1][1])
        elif op.name == "RESIZE_NEAREST_NEIGHBOR":
            src, dst = m.tensors[op.inputs[0]].shape, m.tensors[op.outputs[0]].shape
            fh, fw = dst[1] / src[1], dst[2] / src[2]
            if fh != fw or fh not in (1.0, 2.0, 4.0):
                raise TfliteError(f"operator {op.index} RESIZE_NEAREST_NEIGHBOR by {fh}×{fw} not supported")
            params["factor"] = int(fh)
        elif op.name == "AVERAGE_POOL_2D":
            src = m.tensors[op.inputs[0]].shape
            o = op.options
            if (o["filter_height"], o["filter_width"]) != (src[1], src[2]):
                raise TfliteError(f"operator {op.index} AVERAGE_POOL_2D: only a global pool is supported")
        elif op.name in ("QUANTIZE", "DEQUANTIZE", "LOGISTIC", "RSQRT", "RELU", "RELU6", "TANH", "SQRT"):
            pass
        else:
            raise TfliteError(f"operator {op.index}: {op.name} is not supported by this importer")
        return op, params

    # -- execution -----------------------------------------------------------------------------
    def _fake_quant(self, x, index):
        t = self.model.tensors[index]
        q = t.quantization
        if not self.quantize_activations or q is None or q.scale.size != 1 or t.type not in (3, 9):
            return x
        lo, hi = (-128, 127) if t.type == 9 else (0, 255)
        s, z = float(q.scale[0]), float(q.zero_point[0])
        return (torch.clamp(torch.round(x / s) + z, lo, hi) - z) * s

    def _operand(self, params, slot, values, index):
        name = params.get(f"in{slot}")
        return getattr(self, name) if name else values[index]

    def forward(self, *inputs):
        values = dict(zip(self.model.inputs, inputs))
        for op, params in self.steps:
            x = values.get(op.inputs[0]) if op.inputs and op.inputs[0] in values else None
            act = op.options.get("fused_activation_function")
            name = op.name
            if name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
                w = getattr(self, params["weight"])
                b = getattr(self, params["bias"]) if "bias" in params else None
                sh, sw = op.options["stride_h"], op.options["stride_w"]
                dh, dw = op.options["dilation_h_factor"], op.options["dilation_w_factor"]
                if op.options["padding"] == "SAME":
                    ph = _same_pads(x.shape[2], w.shape[2], sh, dh)
                    pw = _same_pads(x.shape[3], w.shape[3], sw, dw)
                    if ph[0] == ph[1] and pw[0] == pw[1]:
                        padding = (ph[0], pw[0])
                    else:
                        x, padding = F.pad(x, (pw[0], pw[1], ph[0], ph[1])), (0, 0)
                else:
                    padding = (0, 0)
                groups = x.shape[1] if name == "DEPTHWISE_CONV_2D" else 1
                y = _activation(F.conv2d(x, w, b, (sh, sw), padding, (dh, dw), groups), act)
            elif name in ("ADD", "SUB", "MUL", "SQUARED_DIFFERENCE", "DIV", "MAXIMUM", "MINIMUM"):
                a = self._operand(params, 0, values, op.inputs[0])
                b = self._operand(params, 1, values, op.inputs[1])
                y = {"ADD": torch.add, "SUB": torch.sub, "MUL": torch.mul, "DIV": torch.div,
                     "MAXIMUM": torch.maximum, "MINIMUM": torch.minimum,
                     "SQUARED_DIFFERENCE": lambda p, q: (p - q) * (p - q)}[name](a, b)
                y = _activation(y, act)
            elif name == "MEAN":
                y = x.mean(dim=params["axes"], keepdim=bool(op.options.get("keep_dims")))
            elif name == "SUM":
                y = x.sum(dim=params["axes"], keepdim=bool(op.options.get("keep_dims")))
            elif name == "MIRROR_PAD":
                y = F.pad(x, params["pad"], mode="reflect")
            elif name == "RESIZE_NEAREST_NEIGHBOR":
                f = params["factor"]
                y = x if f == 1 else F.interpolate(x, scale_factor=float(f), mode="nearest")
            elif name == "AVERAGE_POOL_2D":
                y = _activation(x.mean(dim=(2, 3), keepdim=True), act)
            elif name in ("QUANTIZE", "DEQUANTIZE"):
                y = x
            elif name == "LOGISTIC":
                y = torch.sigmoid(x)
            elif name == "RSQRT":
                y = torch.rsqrt(x)
            elif name == "SQRT":
                y = torch.sqrt(x)
            elif name in ("RELU", "RELU6", "TANH"):
                y = _activation(x, name)
            else:  # _prepare rejects everything else
                raise TfliteError(f"operator {op.index}: {name} is not supported")
            values[op.outputs[0]] = self._fake_quant(y, op.outputs[0])
        outs = [values[i] for i in self.model.outputs]
        return outs[0] if len(outs) == 1 else tuple(outs)
