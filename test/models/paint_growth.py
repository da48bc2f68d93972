"""Figures for paint-growth.test.ts: a `paint` student grown by a stage's `grow_blocks` (random
weights, a small frame) against the same student before, and a grown run saved and resumed."""
import json
import sys
import tempfile
from pathlib import Path

import torch

from models.train.paint.data import load_config
from models.train.paint.net import checkpoint_net, with_blocks
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
json.dump({
    "blocks_before": blocks, "blocks_after": state.blocks, "resumed_blocks": resumed.blocks,
    "max_change": float((after - before).abs().max()),
    "output_range": float(before.abs().max()),
    "params": sum(1 for _ in state.net.parameters()), "moments_kept": kept, "new_block_params": new_params,
    "export_change": float((exported - after).abs().max()),
}, sys.stdout)
