"""A small reader for TensorFlow Lite model files, written against the FlatBuffer schema
(tensorflow/lite/schema/schema.fbs) with nothing but `struct` and numpy.

It reads what an importer needs: the operator codes, the first subgraph's tensors (shape, type,
buffer, name, quantization) and operators (opcode, inputs, outputs, builtin options), and the
constant buffers, and it dequantizes int8/uint8/int32 constants with their per-tensor or
per-channel scale and zero point (value = scale × (q − zero_point)).

    model = read_tflite(path)           # raises TfliteError on a file that is not a valid TFLite model
    for op in model.operators: print(op.name, op.inputs, op.options)
    weights = model.constant(op.inputs[1])   # float32 numpy array, dequantized

FlatBuffer basics used here: a table starts with an int32 offset (backwards) to its vtable; the
vtable lists uint16 offsets of each field from the table start (0 = absent, so the default); an
offset field (table, vector, string) holds a uint32 relative to where it is stored; a vector is a
uint32 length followed by its elements.
"""
import struct
from dataclasses import dataclass, field

import numpy as np


class TfliteError(ValueError):
    """The file is not a TFLite model this reader understands."""


# TensorType enum (schema.fbs) → numpy dtype
TENSOR_TYPES = {
    0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64, 6: np.bool_,
    7: np.int16, 9: np.int8, 10: np.float64,
}
TENSOR_TYPE_NAMES = {0: "FLOAT32", 1: "FLOAT16", 2: "INT32", 3: "UINT8", 4: "INT64", 5: "STRING",
                     6: "BOOL", 7: "INT16", 9: "INT8", 10: "FLOAT64"}

# BuiltinOperator enum values this project meets (schema.fbs)
BUILTIN_OPERATORS = {
    0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D",
    6: "DEQUANTIZE", 9: "FULLY_CONNECTED", 14: "LOGISTIC", 17: "MAX_POOL_2D", 18: "MUL",
    19: "RELU", 21: "RELU6", 22: "RESHAPE", 23: "RESIZE_BILINEAR", 25: "SOFTMAX", 28: "TANH",
    32: "CUSTOM", 34: "PAD", 39: "TRANSPOSE", 40: "MEAN", 41: "SUB", 42: "DIV", 43: "SQUEEZE",
    45: "STRIDED_SLICE", 53: "CAST", 55: "MAXIMUM", 57: "MINIMUM", 60: "PADV2", 70: "EXPAND_DIMS",
    74: "SUM", 75: "SQRT", 76: "RSQRT", 77: "SHAPE", 83: "PACK", 92: "SQUARE",
    97: "RESIZE_NEAREST_NEIGHBOR", 99: "SQUARED_DIFFERENCE", 100: "MIRROR_PAD", 114: "QUANTIZE",
}

# Activation enum (ActivationFunctionType)
ACTIVATIONS = {0: None, 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH", 5: "SIGN_BIT"}
PADDINGS = {0: "SAME", 1: "VALID"}

# BuiltinOptions union: type id → (name, [(field, struct format, default)...]) in schema order.
# A field format "b"/"B"/"i"/"f"/"?" is a scalar; "enum:<map>" decodes via a table above.
_OPTIONS = {
    1: ("Conv2DOptions", [("padding", "b", 0), ("stride_w", "i", 0), ("stride_h", "i", 0),
                          ("fused_activation_function", "b", 0), ("dilation_w_factor", "i", 1),
                          ("dilation_h_factor", "i", 1)]),
    2: ("DepthwiseConv2DOptions", [("padding", "b", 0), ("stride_w", "i", 0), ("stride_h", "i", 0),
                                   ("depth_multiplier", "i", 0), ("fused_activation_function", "b", 0),
                                   ("dilation_w_factor", "i", 1), ("dilation_h_factor", "i", 1)]),
    5: ("Pool2DOptions", [("padding", "b", 0), ("stride_w", "i", 0), ("stride_h", "i", 0),
                          ("filter_width", "i", 0), ("filter_height", "i", 0),
                          ("fused_activation_function", "b", 0)]),
    8: ("FullyConnectedOptions", [("fused_activation_function", "b", 0), ("weights_format", "b", 0),
                                  ("keep_num_dims", "?", False), ("asymmetric_quantize_inputs", "?", False)]),
    9: ("SoftmaxOptions", [("beta", "f", 0.0)]),
    10: ("ConcatenationOptions", [("axis", "i", 0), ("fused_activation_function", "b", 0)]),
    11: ("AddOptions", [("fused_activation_function", "b", 0), ("pot_scale_int16", "?", True)]),
    17: ("ReshapeOptions", [("new_shape", "[i]", None)]),
    21: ("MulOptions", [("fused_activation_function", "b", 0)]),
    22: ("PadOptions", []),
    27: ("ReducerOptions", [("keep_dims", "?", False)]),
    28: ("SubOptions", [("fused_activation_function", "b", 0), ("pot_scale_int16", "?", True)]),
    29: ("DivOptions", [("fused_activation_function", "b", 0)]),
    30: ("SqueezeOptions", [("squeeze_dims", "[i]", None)]),
    74: ("ResizeNearestNeighborOptions", [("align_corners", "?", False), ("half_pixel_centers", "?", False)]),
    15: ("ResizeBilinearOptions", [("new_height", "i", 0), ("new_width", "i", 0),
                                   ("align_corners", "?", False), ("half_pixel_centers", "?", False)]),
    77: ("MirrorPadOptions", [("mode", "b", 0)]),
    76: ("SquaredDifferenceOptions", []),
    55: ("DequantizeOptions", []),
    56: ("QuantizeOptions", []),
}


class _Buf:
    """Bounds-checked FlatBuffer access over a bytes object."""

    def __init__(self, data):
        self.data = data

    def _unpack(self, fmt, pos):
        size = struct.calcsize(fmt)
        if pos < 0 or pos + size > len(self.data):
            raise TfliteError(f"truncated or corrupt file: read of {size} bytes at offset {pos} "
                              f"past the end ({len(self.data)} bytes)")
        return struct.unpack_from(fmt, self.data, pos)[0]

    def u8(self, pos): return self._unpack("<B", pos)
    def i8(self, pos): return self._unpack("<b", pos)
    def u16(self, pos): return self._unpack("<H", pos)
    def i32(self, pos): return self._unpack("<i", pos)
    def u32(self, pos): return self._unpack("<I", pos)
    def scalar(self, fmt, pos): return self._unpack("<" + fmt, pos)

    def field(self, table, index):
        """Absolute position of field `index` of the table at `table`, or None when absent."""
        vtable = table - self.i32(table)
        vt_size = self.u16(vtable)
        slot = 4 + 2 * index
        if slot + 2 > vt_size:
            return None
        off = self.u16(vtable + slot)
        return table + off if off else None

    def deref(self, pos):
        return pos + self.u32(pos)

    def table(self, table, index):
        pos = self.field(table, index)
        return None if pos is None else self.deref(pos)

    def vector(self, table, index):
        """(start, length) of a vector field, or None."""
        pos = self.field(table, index)
        if pos is None:
            return None
        vec = self.deref(pos)
        n = self.u32(vec)
        return vec + 4, n

    def scalars(self, table, index, fmt):
        v = self.vector(table, index)
        if v is None:
            return []
        start, n = v
        size = struct.calcsize(fmt)
        if start + n * size > len(self.data):
            raise TfliteError(f"truncated or corrupt file: vector of {n} elements at {start} runs past the end")
        return list(struct.unpack_from(f"<{n}{fmt}", self.data, start))

    def tables(self, table, index):
        v = self.vector(table, index)
        if v is None:
            return []
        start, n = v
        return [self.deref(start + 4 * i) for i in range(n)]

    def string(self, table, index):
        pos = self.field(table, index)
        if pos is None:
            return None
        s = self.deref(pos)
        n = self.u32(s)
        if s + 4 + n > len(self.data):
            raise TfliteError("truncated or corrupt file: a string runs past the end")
        return self.data[s + 4: s + 4 + n].decode("utf-8", "replace")

    def get(self, table, index, fmt, default):
        pos = self.field(table, index)
        return default if pos is None else self.scalar(fmt, pos)


@dataclass
class Quantization:
    scale: np.ndarray  # float32 [] or [C]
    zero_point: np.ndarray  # int64, same length
    axis: int  # quantized_dimension (per-channel axis)


@dataclass
class Tensor:
    index: int
    name: str
    shape: list
    type: int
    buffer: int
    quantization: Quantization | None

    @property
    def type_name(self):
        return TENSOR_TYPE_NAMES.get(self.type, str(self.type))


@dataclass
class Operator:
    index: int
    name: str  # builtin operator name, e.g. "CONV_2D"
    inputs: list
    outputs: list
    options: dict = field(default_factory=dict)


@dataclass
class TfliteModel:
    path: str
    version: int
    description: str | None
    tensors: list
    inputs: list
    outputs: list
    operators: list
    buffers: list  # bytes per buffer (b"" when empty)

    def raw(self, tensor_index):
        """The constant data of a tensor as a numpy array of its own type and shape, or None."""
        t = self.tensors[tensor_index]
        data = self.buffers[t.buffer] if 0 <= t.buffer < len(self.buffers) else b""
        if not data:
            return None
        dtype = TENSOR_TYPES.get(t.type)
        if dtype is None:
            raise TfliteError(f"tensor {t.name!r} has unsupported type {t.type_name}")
        count = int(np.prod(t.shape)) if t.shape else 1
        if len(data) != count * np.dtype(dtype).itemsize:
            raise TfliteError(f"tensor {t.name!r}: buffer holds {len(data)} bytes, shape {t.shape} "
                              f"of {t.type_name} needs {count * np.dtype(dtype).itemsize}")
        return np.frombuffer(data, dtype=dtype).reshape(t.shape)

    def constant(self, tensor_index):
        """A constant tensor as float32, dequantized when it is int8/uint8/int16/int32 with a scale."""
        t = self.tensors[tensor_index]
        q = self.raw(tensor_index)
        if q is None:
            raise TfliteError(f"tensor {t.name!r} (#{tensor_index}) has no constant data")
        if q.dtype in (np.float32, np.float16, np.float64):
            return q.astype(np.float32)
        quant = t.quantization
        if quant is None or quant.scale.size == 0:
            return q.astype(np.float32)
        scale, zero = quant.scale.astype(np.float64), quant.zero_point.astype(np.float64)
        if scale.size > 1:  # per-channel along quantized_dimension
            if q.shape[quant.axis] != scale.size:
                raise TfliteError(f"tensor {t.name!r}: {scale.size} per-channel scales for "
                                  f"dimension {quant.axis} of size {q.shape[quant.axis]}")
            shape = [1] * q.ndim
            shape[quant.axis] = scale.size
            scale, zero = scale.reshape(shape), zero.reshape(shape)
        return (scale * (q.astype(np.float64) - zero)).astype(np.float32)


def _quantization(buf, table):
    if table is None:
        return None
    scale = buf.scalars(table, 2, "f")
    zero = buf.scalars(table, 3, "q")
    if not scale:
        return None
    if zero and len(zero) != len(scale):
        raise TfliteError(f"quantization has {len(scale)} scales but {len(zero)} zero points")
    return Quantization(np.array(scale, np.float32), np.array(zero or [0] * len(scale), np.int64),
                        buf.get(table, 6, "i", 0))


def _options(buf, op_table):
    kind = buf.get(op_table, 3, "B", 0)
    if kind == 0:
        return {}
    spec = _OPTIONS.get(kind)
    table = buf.table(op_table, 4)
    if spec is None or table is None:
        return {"options_type": kind}
    name, fields = spec
    out = {"options_type": name}
    for i, (key, fmt, default) in enumerate(fields):
        if fmt == "[i]":
            out[key] = buf.scalars(table, i, "i")
        else:
            out[key] = buf.get(table, i, fmt, default)
    if "fused_activation_function" in out:
        out["fused_activation_function"] = ACTIVATIONS.get(out["fused_activation_function"], "UNKNOWN")
    if "padding" in out:
        out["padding"] = PADDINGS.get(out["padding"], "UNKNOWN")
    if name == "MirrorPadOptions":
        out["mode"] = {0: "REFLECT", 1: "SYMMETRIC"}.get(out["mode"], "UNKNOWN")
    return out


def read_tflite(path):
    """Parse a .tflite file. Raises TfliteError (with a one-line reason) when it is not one."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise TfliteError(f"{path}: file not found") from None
    if len(data) < 8:
        raise TfliteError(f"{path}: too short to be a TFLite model ({len(data)} bytes)")
    if data[4:8] != b"TFL3":
        raise TfliteError(f"{path}: not a TFLite model (file identifier is {data[4:8]!r}, expected b'TFL3')")
    buf = _Buf(data)
    try:
        root = buf.deref(0)
        version = buf.get(root, 0, "I", 0)
        codes = []
        for oc in buf.tables(root, 1):
            deprecated = buf.get(oc, 0, "b", 0)
            code = buf.get(oc, 3, "i", 0)
            code = max(code, deprecated)  # schema: builtin_code = max(builtin_code, deprecated_builtin_code)
            custom = buf.string(oc, 1)
            codes.append(custom if code == 32 and custom else BUILTIN_OPERATORS.get(code, f"BUILTIN_{code}"))
        subgraphs = buf.tables(root, 2)
        if not subgraphs:
            raise TfliteError(f"{path}: model has no subgraphs")
        sg = subgraphs[0]
        tensors = []
        for i, t in enumerate(buf.tables(sg, 0)):
            tensors.append(Tensor(i, buf.string(t, 3) or f"tensor{i}", buf.scalars(t, 0, "i"),
                                  buf.get(t, 1, "b", 0), buf.get(t, 2, "I", 0),
                                  _quantization(buf, buf.table(t, 4))))
        operators = []
        for i, o in enumerate(buf.tables(sg, 3)):
            idx = buf.get(o, 0, "I", 0)
            if idx >= len(codes):
                raise TfliteError(f"{path}: operator {i} uses opcode {idx} of {len(codes)}")
            operators.append(Operator(i, codes[idx], buf.scalars(o, 1, "i"), buf.scalars(o, 2, "i"),
                                      _options(buf, o)))
        buffers = []
        for b in buf.tables(root, 4):
            v = buf.vector(b, 0)
            if v is not None:
                start, n = v
                if start + n > len(data):
                    raise TfliteError(f"{path}: truncated file: a weight buffer of {n} bytes at {start} "
                                      f"runs past the end ({len(data)} bytes)")
                buffers.append(data[start:start + n])
                continue
            offset, size = buf.get(b, 1, "Q", 0), buf.get(b, 2, "Q", 0)  # large-model external buffers
            if offset > 1 and offset + size > len(data):
                raise TfliteError(f"{path}: truncated file: a weight buffer at {offset} runs past the end")
            buffers.append(data[offset:offset + size] if offset > 1 else b"")
        return TfliteModel(str(path), version, buf.string(root, 3), tensors, buf.scalars(sg, 1, "i"),
                           buf.scalars(sg, 2, "i"), operators, buffers)
    except TfliteError as e:
        if str(e).startswith(str(path)):
            raise
        raise TfliteError(f"{path}: {e}") from None
    except (struct.error, UnicodeDecodeError, IndexError) as e:
        raise TfliteError(f"{path}: corrupt TFLite file ({e})") from None


if __name__ == "__main__":  # dump a model: python3 -m models.importers.tflite_reader FILE.tflite
    import sys

    m = read_tflite(sys.argv[1])
    print("version", m.version, "description", m.description)
    for t in m.tensors:
        q = t.quantization
        qs = "" if q is None else f" q[{q.scale.size} scale{' axis ' + str(q.axis) if q.scale.size > 1 else ''} {q.scale[:1]} zp {q.zero_point[:1]}]"
        has = bool(m.buffers[t.buffer]) if t.buffer < len(m.buffers) else False
        print(f"t{t.index} {t.name} {t.shape} {t.type_name}{' const' if has else ''}{qs}")
    print("inputs", m.inputs, "outputs", m.outputs)
    for op in m.operators:
        print(op.index, op.name, op.inputs, "->", op.outputs, op.options)
