#!/usr/bin/python3
"""Builds preserve_color.onnx, the runtime's colour-preserving step (no weights, only maths).

inputs `content`, `stylized`: uint8 [N,H,W,3] RGB → output `preserved`: uint8 [N,H,W,3]: the
stylized frame's luma (BT.601 Y) with the content's chroma (Cb, Cr) — the style's texture and
contrast in the content's colours (Gatys et al. 2016, "luminance-only transfer").

  /usr/bin/python3 models/common/build_preserve_color.py models/common/preserve_color.onnx
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RGB_TO_YCC = np.array([[0.299, -0.168736, 0.5], [0.587, -0.331264, -0.418688], [0.114, 0.5, -0.081312]])


def main(path):
    ycc_to_rgb = np.linalg.inv(RGB_TO_YCC)
    keep_y = np.diag([1.0, 0.0, 0.0])
    keep_cc = np.diag([0.0, 1.0, 1.0])
    # preserved = (stylized·M·keep_y + content·M·keep_cc)·M⁻¹, folded into two 3×3 matrices.
    from_stylized = RGB_TO_YCC @ keep_y @ ycc_to_rgb
    from_content = RGB_TO_YCC @ keep_cc @ ycc_to_rgb
    consts = [
        numpy_helper.from_array(from_stylized.astype(np.float32), "from_stylized"),
        numpy_helper.from_array(from_content.astype(np.float32), "from_content"),
        numpy_helper.from_array(np.float32(0), "zero"),
        numpy_helper.from_array(np.float32(255), "c255"),
    ]
    nodes = [
        helper.make_node("Cast", ["content"], ["c"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["stylized"], ["s"], to=TensorProto.FLOAT),
        helper.make_node("MatMul", ["c", "from_content"], ["c_part"]),
        helper.make_node("MatMul", ["s", "from_stylized"], ["s_part"]),
        helper.make_node("Add", ["c_part", "s_part"], ["sum"]),
        helper.make_node("Clip", ["sum", "zero", "c255"], ["clipped"]),
        helper.make_node("Round", ["clipped"], ["rounded"]),
        helper.make_node("Cast", ["rounded"], ["preserved"], to=TensorProto.UINT8),
    ]
    frame = lambda name: helper.make_tensor_value_info(name, TensorProto.UINT8, ["N", "H", "W", 3])
    graph = helper.make_graph(nodes, "preserve_color", [frame("content"), frame("stylized")], [frame("preserved")], consts)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "models/common/preserve_color.onnx")
