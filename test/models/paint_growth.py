"""Figures for paint-growth.test.ts: a `paint` student grown by a stage's `grow_blocks` (random
weights, a small frame) against the same student before, and a grown run saved and resumed; then
the same student reading styles at a longer side of 512 (a stage's `style_read`), saved, resumed
and exported."""
import json
import sys
import tempfile
from pathlib import Path

import torch
import torch.nn.functional as F

from models.train.paint.data import load_config
from models.train.paint.export import export
from models.train.paint.net import StyleEncoderGraph, checkpoint_net, with_blocks
from models.train.paint.training_state import TrainingState

torch.manual_seed(3)
cfg = load_config(Path("models/train/paint/config.json"))
state = TrainingState(cfg)
with torch.no_grad():  # a student that has moved from its start, as a grown one has
    for p in state.net.parameters():
        p.add_(0.05 * torch.randn_like(p))
frame = torch.randint(0, 256, (2, 64, 96, 3), dtype=torch.uint8)
code, alpha = torch.randn(2, state.net.code_size), torch.rand(2, 3)
# one optimiser step, so Adam has moments to carry over
state.update(state.net.stylize(frame, code, alpha).float().mean(), 1e-4, 0.999)
before = state.net.eval().stylize(frame, code, alpha)
blocks = state.blocks
state.grow(blocks + 1)
after = state.net.eval().stylize(frame, code, alpha)
kept = sum(1 for p in state.net.parameters() if p in state.opt.state)
new_params = sum(1 for n, _ in state.net.named_parameters() if n.startswith(f"res.{blocks}."))
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "last.pt"
    state.save(path, 1.0)
    resumed = TrainingState(cfg)
    resumed.load(path)
    ck = torch.load(path)
    exported = checkpoint_net(ck, "model").eval().stylize(frame, code, alpha)
    state.read_styles_at(512)
    state.save(path, 2.0)
    reading = TrainingState(cfg)
    reading.load(path)
    manifest = export(checkpoint_net(torch.load(path)), Path(tmp) / "model")
    style = torch.randint(0, 256, (1, 300, 200, 3), dtype=torch.uint8)
    as_read = F.interpolate(style.permute(0, 3, 1, 2).float(), size=(512, 341), mode="bicubic", align_corners=False)
    with torch.no_grad():
        graph_code = StyleEncoderGraph(state.net)(as_read.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1))
        net_code = state.net.encode_style(as_read.round().clamp(0, 255))
json.dump({
    "blocks_before": blocks, "blocks_after": state.blocks, "resumed_blocks": resumed.blocks,
    "max_change": float((after - before).abs().max()),
    "output_range": float(before.abs().max()),
    "params": sum(1 for _ in state.net.parameters()), "moments_kept": kept, "new_block_params": new_params,
    "export_change": float((exported - after).abs().max()),
    "read_resumed": reading.style_read, "read_ema": reading.ema.style_read,
    "read_manifest": [manifest["styleSize"], manifest.get("styleFit")],
    "read_graph_change": float((graph_code - net_code).abs().max()),
}, sys.stdout)
