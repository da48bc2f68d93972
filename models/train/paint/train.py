"""Train the `paint` student on the CPU, stage by stage, as models/train/paint/config.json says.

  nice -n 15 /usr/bin/python3 -m models.train.paint.train [--config C] [--run DIR] [--until-minutes M]

The run folder (run_folder.py: --run, else config paths.run) keeps last.pt (model, EMA, optimiser,
RNG states, step: written atomically every few minutes), train.log and val.csv (held-out
style/content every val_every steps). Run the same command again to resume. Stages (config
`stages`) run in order, each with its steps, learning rate and loss weights (the terms: losses.py).
Stages 1-2 read the teacher cache (teacher_cache.py). A stage with "data": "online" (stage 3,
`sharp`) needs no cache: online.py makes its batches (painting views at their own resolution, a
share from paintings/sharp/) and the teacher labels them as training runs. A stage with
"grow_blocks": N gives the student N residual blocks at 1/16 as it begins (the added ones start
as identities: net.with_blocks); one with "style_read": S has its style encoder read each style
at a longer side of S from then on (the image its style target is computed from). Beside other
jobs on two cores, --threads 1 goes faster than 2 (threads waiting on each other).
"""
import argparse
import math
import signal
import time
from pathlib import Path

import torch

from models.train.paint.data import load_config
from models.train.paint.losses import Objective, weighted_sum
from models.train.paint.run_folder import RunFolder
from models.train.paint.sources import Sources
from models.train.paint.training_state import TrainingState
from models.train.paint.validation import Validation
from models.train.vgg import VGG

CONFIG = Path(__file__).resolve().parent / "config.json"
LOG_EVERY = 50  # steps


def stage_at(stages, step):
    """(stage, its first step) for a global step."""
    start = 0
    for s in stages:
        if step < start + s["steps"]:
            return s, start
        start += s["steps"]
    return None, start


def learning_rate(stage, start, step):
    """Short warm-up, then cosine from the stage's lr to a tenth of it."""
    t = (step - start) / stage["steps"]
    warm = min(1.0, (step - start + 1) / 200)
    return stage["lr"] * warm * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))


class Sitting:
    """This process's part of a run: the time trained (the run's before it, plus this sitting's),
    when it last saved, and whether it must stop (--until-minutes, SIGTERM or SIGINT: at the end
    of the step, after saving)."""

    def __init__(self, trained_before_s, until_minutes):
        self.trained_before_s, self.until_minutes = trained_before_s, until_minutes
        self.signalled = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        self.start = self.saved = time.time()

    def _stop(self, *_):
        self.signalled = True

    def trained_s(self):
        return self.trained_before_s + time.time() - self.start

    def over(self):
        return self.signalled or bool(self.until_minutes and time.time() - self.start > self.until_minutes * 60)

    def save_due(self, minutes):
        return time.time() - self.saved > minutes * 60

    def mark_saved(self):
        self.saved = time.time()


def arguments():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default=str(CONFIG))
    p.add_argument("--run", help="the run folder (default: the config's paths.run); a last.pt there is resumed")
    p.add_argument("--threads", type=int, help="torch threads (default: the config's; 1 while another job shares the cores)")
    p.add_argument("--until-minutes", type=float, help="save and stop after this many minutes of this process")
    return p.parse_args()


def main():
    a = arguments()
    cfg = load_config(a.config)
    if a.run:
        cfg["paths"]["run"] = str(Path(a.run).resolve())
    tc, stages = cfg["train"], cfg["stages"]
    total = sum(s["steps"] for s in stages)
    torch.set_num_threads(a.threads or tc["threads"])
    run = RunFolder(cfg["paths"]["run"])
    state = TrainingState(cfg)
    if run.last.exists():
        state.load(run.last)
        run.log(f"resumed at step {state.step} ({state.trained_s / 60:.1f} min trained)")
    else:
        run.log(f"new run: {total} steps in {len(stages)} stages, config {a.config}")

    run.ensure_val_columns()
    vgg = VGG(cfg["paths"]["vgg"])
    validation = Validation(cfg, vgg)
    sources = Sources(cfg, stage_at(stages, state.step)[0])
    run.log(sources.describe())
    objective = Objective(state.net, state.code_head, vgg, tc)

    sitting = Sitting(state.trained_s, a.until_minutes)

    def validate(stage):
        run.record(validation(state.ema), state.step, stage["name"], sitting.trained_s() / 60)

    if state.step < total and not run.measured_all():
        validate(stage_at(stages, state.step)[0])  # the starting point of a new measure
    averages = {}
    while state.step < total:
        stage, start = stage_at(stages, state.step)
        if state.blocks < stage.get("grow_blocks", 0):
            state.grow(stage["grow_blocks"])
            objective = Objective(state.net, state.code_head, vgg, tc)
            run.log(f"step {state.step}: the student grown to {state.blocks} residual blocks")
        if stage.get("style_read") and state.style_read != stage["style_read"]:
            state.read_styles_at(stage["style_read"])
            run.log(f"step {state.step}: the style encoder reads styles at a longer side of {state.style_read}")
        lr = learning_rate(stage, start, state.step)
        sources.enter(stage)
        terms = objective.terms(sources, stage["weights"], state.rng, state.gen, state.step)
        loss = weighted_sum(terms, stage["weights"])
        state.update(loss, lr, tc["ema"])
        for k, v in list(terms.items()) + [("loss", loss)]:
            averages[k] = 0.98 * averages.get(k, float(v)) + 0.02 * float(v)
        if state.step % LOG_EVERY == 0:
            run.log(f"step {state.step} {stage['name']} lr {lr:.2e} "
                    + " ".join(f"{k} {v:.4f}" for k, v in averages.items()) + f" | {sitting.trained_s() / 60:.1f} min")
        if state.step % tc["val_every"] == 0 or state.step == total:
            validate(stage)
        over = sitting.over()
        if sitting.save_due(tc["ckpt_minutes"]) or state.step == total or over:
            state.save(run.last, sitting.trained_s())
            sitting.mark_saved()
            if over:
                break


if __name__ == "__main__":
    main()
