"""Train the `paint` student on the CPU, stage by stage, as models/train/paint/config.json says.

  nice -n 15 /usr/bin/python3 -m models.train.paint.train [--config C] [--until-minutes M]

The run folder (config paths.run) keeps last.pt (model, EMA, optimiser, RNG states, step: written
atomically every few minutes), train.log and val.csv (held-out style/content every val_every
steps). Run the same command again to resume. Stages (config `stages`) run in order, each with its
steps, learning rate and loss weights:
  distill       L1 (0..1) to the Magenta teacher's output for the same crop and painting (the cache)
  teacher_code  MSE between a linear read-out of the student's code and the teacher's style vector
  style         stylemetrics' style distance to the painting (VGG relu1_1..relu3_1 mean/std)
  teacher_style the same distance to the teacher's output for the crop (its texture, not its pixels:
                L1 alone regresses to a blur of the teacher's strokes)
On a share (config train.enlarge_share) of the steps with VGG terms, style and content are taken
on crops enlarged 1.5-3x instead (smooth content like a 720p frame; teacher_style is skipped there).
  content       stylemetrics' content distance to the crop (instance-normalised relu3_1)
  recon         L1 between the alpha-0 output and the crop (alpha 0 must give the frame back)
  temporal      L1 between the output of a crop moved by a small smooth random warp (with pixel noise)
                and the output of the crop moved the same way (no flicker when the camera moves;
                costs nothing at run time)
Stages 1-2 read the teacher cache (teacher_cache.py). A stage with "data": "online" (stage 3,
`sharp`) needs no cache: online.py makes its batches (painting views at their own resolution, a
share from paintings/sharp/) and the teacher labels them as training runs. Beside other jobs on
two cores, --threads 1 goes faster than 2 (threads waiting on each other).
"""
import argparse
import csv
import math
import os
import random
import signal
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from models.train.paint.data import Paintings, Photos, load_config, open_cache
from models.train.paint.export import net_from
from models.train.paint.losses import random_flow, temporal_error, unpack_stats, warp
from models.train.paint.net import blocks_to_nhwc
from models.train.paint.online import OnlineBatches, Teacher, view_targets
from models.train.vgg import VGG, content_distance, feature_stats, style_distance

HERE = Path(__file__).resolve().parent

def log(run, msg):
    line = time.strftime("%H:%M:%S ") + msg
    print(line, flush=True)
    with open(run / "train.log", "a") as f:
        f.write(line + "\n")


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


def stylize(net, image, code, alpha):
    return blocks_to_nhwc(net.stylize(image, code, alpha))


class Batches:
    """Random training batches from the teacher cache: content crops (NHWC float 0..255) at random
    offsets (so the 4x4 grid meets the picture everywhere), the teacher's output for the same crops,
    the painting indices, and the crops under a small random motion with pixel noise (and its grid)."""

    def __init__(self, cache, crop):
        self.cache, self.crop = cache, crop

    def __call__(self, n, rng, gen):
        c, s = self.crop, self.cache.crop
        idx = [rng.randrange(self.cache.count) for _ in range(n)]
        xs, ts = [], []
        for i in idx:
            y0, x0 = rng.randint(0, s - c), rng.randint(0, s - c)
            xs.append(self.cache.content[i, y0:y0 + c, x0:x0 + c])
            ts.append(self.cache.teacher[i, y0:y0 + c, x0:x0 + c])
        x, t = (torch.from_numpy(np.stack(a)).float() for a in (xs, ts))
        grid = random_flow(n, c, c, gen)
        moved, _ = warp(x, grid)
        moved = (moved + torch.randn(moved.shape, generator=gen) * 2.0).clamp(0, 255)
        return x, moved, t, torch.tensor([int(self.cache.style[i]) for i in idx]), grid


class Validation:
    """Fixed held-out pairs (held-out photos and paintings), scored with stylemetrics' style and
    content distances: 12 at 256x256 (centre crops, the training scale) and 6 at 1280x720 (the
    photo enlarged to cover the frame: the smooth, large-scale content of real 720p video), and 6 at
    1280x720 with held-out images of paintings/sharp/ (read at stylemetrics' size, as sharp as a
    user's own style images: the hard case)."""

    SIZES = {"": ((256, 256), 12, "soft"), "720": ((1280, 720), 6, "soft"), "sharp720": ((1280, 720), 6, "sharp")}
    COLUMNS = [f"val{name}_{k}" for name in SIZES for k in ("style", "content")]

    def __init__(self, cfg, vgg):
        from PIL import Image
        photos = Photos(cfg, "val")
        self.vgg, self.sets = vgg, {}
        with torch.no_grad():
            for name, ((w, h), pairs, only) in self.SIZES.items():
                paintings = Paintings(cfg, "val", only=only)
                rng, items = random.Random(1234), []
                for k in range(pairs):
                    img = Image.fromarray(photos.images[k % len(photos)])
                    s = max(w / img.width, h / img.height)
                    img = img.resize((round(img.width * s), round(img.height * s)), Image.BICUBIC)
                    x0, y0 = (img.width - w) // 2, (img.height - h) // 2
                    x = torch.from_numpy(np.asarray(img.crop((x0, y0, x0 + w, y0 + h))).copy()).float()[None]
                    j = rng.randrange(len(paintings))
                    items.append((x, paintings.square(j)[None], feature_stats(vgg(paintings.vgg_view(j)[None] / 255.0)),
                                  vgg(x.permute(0, 3, 1, 2) / 255.0)[2]))
                self.sets[name] = items

    @torch.no_grad()
    def __call__(self, net):
        """{column: value} for COLUMNS (style and content distance of each set)"""
        out = {}
        for name, items in self.sets.items():
            S, C = [], []
            for x, square, target, content in items:
                y = stylize(net, x, net.encode_style(square), torch.ones(1, net.levels)).clamp(0, 255).round()
                f = self.vgg(y.permute(0, 3, 1, 2) / 255.0)
                S.append(float(style_distance(feature_stats(f), target)))
                C.append(float(content_distance(f[2], content)))
            out[f"val{name}_style"], out[f"val{name}_content"] = float(np.mean(S)), float(np.mean(C))
        return out


def enlarged(x, rng, most):
    """A centre part of each crop enlarged back to the crop's size by a random factor (1.5..most):
    content as smooth as a 720p video frame, for the VGG terms (no teacher target exists for it)."""
    c = x.shape[1]
    f = rng.uniform(1.5, most)
    part = int(c / f) // 2 * 2
    o = (c - part) // 2
    small = x[:, o:o + part, o:o + part].permute(0, 3, 1, 2)
    return F.interpolate(small, size=(c, c), mode="bicubic", align_corners=False).clamp(0, 255).permute(0, 2, 3, 1)


def ensure_columns(val_csv, columns):
    """A new val.csv, or an old one whose header gains the columns added since (old rows stay short)."""
    if not val_csv.exists():
        val_csv.write_text(",".join(columns) + "\n")
        return
    lines = val_csv.read_text().splitlines()
    if lines[0].split(",") != columns:
        val_csv.write_text("\n".join([",".join(columns)] + lines[1:]) + "\n")


def measured_all(val_csv):
    """Whether val.csv's last row has every column (a measure added since starts with a row of its own)."""
    rows = list(csv.reader(val_csv.open()))
    return len(rows) > 1 and len(rows[-1]) == len(rows[0])


class Sources:
    """Where a stage's batches come from: the teacher cache (stages 1-2) or made online (from stage
    `sharp`: config `"data": "online"`). Each is opened when a stage first needs it."""

    def __init__(self, cfg, stage):
        self.cfg, self.tc = cfg, cfg["train"]
        self.cache = self.batches = self.online_batches = self.teacher = None
        self.enter(stage)

    def enter(self, stage):
        self.online = stage.get("data") == "online"
        if self.online and self.online_batches is None:
            self.online_batches = OnlineBatches(self.cfg, self.tc["crop"], stage["sharp_share"])
            self.encoder_views = stage.get("encoder_views", 0)
            self.teacher = Teacher(self.cfg["paths"]["teacher"])
        if not self.online and self.cache is None:
            self.cache = open_cache(self.cfg)
            self.paintings = Paintings(self.cfg, "train")
            self.teacher_codes = torch.from_numpy(self.cache.codes())
            self.batches = Batches(self.cache, self.tc["crop"])
            self.style_targets = None  # loaded when a stage first needs them (teacher_cache.py computes them last)

    def describe(self):
        if self.online:
            b = self.online_batches
            return (f"online batches: {len(b.photos)} photos, {len(b.sharp)} sharp and {len(b.soft)} other paintings, "
                    f"sharp share {b.sharp_share}")
        return f"cache {self.cache.count} samples, {len(self.paintings)} paintings"


def vgg_terms(vgg, yv, xv, targets, teacher_out):
    """style (to the targets), content (to xv) and, given the teacher's output, teacher_style."""
    with torch.no_grad():
        fc = vgg(xv.permute(0, 3, 1, 2) / 255.0)[2]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        fo = vgg(yv.clamp(0, 255).permute(0, 3, 1, 2) / 255.0)
    fo = [f.float() for f in fo]
    so = feature_stats(fo)
    terms = {"style": style_distance(so, targets).mean(), "content": content_distance(fo[2], fc).mean()}
    if teacher_out is not None:
        with torch.no_grad():
            ft = feature_stats(vgg(teacher_out.permute(0, 3, 1, 2) / 255.0))
        terms["teacher_style"] = style_distance(so, ft).mean()
    return terms


def base_terms(net, x, moved, grid, code):
    """The stylized batch y and the terms every stage has: recon (alpha 0) and temporal."""
    b = len(x)
    nr = max(1, b // 4)  # alpha-0 reconstruction on a quarter of the batch
    alpha = torch.cat([torch.ones(2 * b, net.levels), torch.zeros(nr, net.levels)])
    out = stylize(net, torch.cat([x, moved, x[:nr]]), torch.cat([code, code, code[:nr]]), alpha)
    y, ym, yr = out[:b], out[b:2 * b], out[2 * b:]
    return y, {"recon": (yr - x[:nr]).abs().mean() / 255.0, "temporal": temporal_error(y, ym, grid) / 255.0}


def vgg_input(net, x, y, code, tc, rng):
    """The part of the batch the VGG terms see: as it is, or (a share of steps) its content enlarged."""
    nv = tc["vgg_batch"]
    if rng.random() < tc["enlarge_share"]:
        xv = enlarged(x[:nv], rng, tc["enlarge_most"])
        return xv, stylize(net, xv, code[:nv], torch.ones(nv, net.levels)), True
    return x[:nv], y[:nv], False


def cached_terms(net, code_head, vgg, src, w, tc, rng, gen, step):
    """Stages 1-2: crops, teacher outputs and paintings from the teacher cache."""
    if step % 200 == 0:
        src.cache.refresh()
    x, moved, teacher, idx, grid = src.batches(tc["batch"], rng, gen)
    code = net.encode_style(torch.stack([src.paintings.square(int(i)) for i in idx]))
    y, terms = base_terms(net, x, moved, grid, code)
    terms["distill"] = (y - teacher).abs().mean() / 255.0
    terms["teacher_code"] = ((code_head(code) - src.teacher_codes[idx]) ** 2).mean()
    if any(w.get(k, 0) > 0 for k in ("style", "teacher_style", "content")):
        if src.style_targets is None:
            st = src.cache.style_targets()
            if st is None or len(st) < len(src.paintings):
                raise SystemExit("the cache's style targets are incomplete: run `python3 -m models.train.paint.teacher_cache` to finish them")
            src.style_targets = torch.from_numpy(st)
        xv, yv, big = vgg_input(net, x, y, code, tc, rng)
        nv = len(xv)
        terms.update(vgg_terms(vgg, yv, xv, unpack_stats(src.style_targets[idx[:nv]]), None if big else teacher[:nv]))
    return terms


def online_terms(net, code_head, vgg, src, tc, rng, gen):
    """From stage `sharp`: photo crops and painting views made now, labelled by the teacher now (on
    the VGG part of the batch), style targets from each view at its own resolution."""
    x, moved, grid, squares, views = src.online_batches(tc["batch"], rng, gen)
    extra = src.online_batches.encoder_views(src.encoder_views, rng) if src.encoder_views else squares[:0]
    codes = net.encode_style(torch.cat([squares, extra]))
    code = codes[:len(x)]
    y, terms = base_terms(net, x, moved, grid, code)
    nv = tc["vgg_batch"]
    labelled = torch.cat([squares[:nv], extra])
    teacher_code = src.teacher.code(labelled)
    terms["teacher_code"] = ((code_head(torch.cat([code[:nv], codes[len(x):]])) - teacher_code) ** 2).mean()
    teacher = src.teacher.stylize(x[:nv], teacher_code[:nv])
    terms["distill"] = (y[:nv] - teacher).abs().mean() / 255.0
    xv, yv, big = vgg_input(net, x, y, code, tc, rng)
    terms.update(vgg_terms(vgg, yv, xv, view_targets(vgg, views[:nv]), None if big else teacher))
    return terms


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default=str(HERE / "config.json"))
    p.add_argument("--threads", type=int, help="torch threads (default: the config's; 1 while another job shares the cores)")
    p.add_argument("--until-minutes", type=float, help="save and stop after this many minutes of this process")
    a = p.parse_args()
    cfg = load_config(a.config)
    tc, stages = cfg["train"], cfg["stages"]
    total = sum(s["steps"] for s in stages)
    torch.set_num_threads(a.threads or tc["threads"])
    run = Path(cfg["paths"]["run"])
    run.mkdir(parents=True, exist_ok=True)

    torch.manual_seed(cfg["seed"])
    rng = random.Random(cfg["seed"])
    gen = torch.Generator().manual_seed(cfg["seed"])  # the random motions
    net, ema = net_from(cfg), net_from(cfg)
    code_head = nn.Linear(net.code_size, 100)  # training-only read-out of the teacher's style vector
    ema.load_state_dict(net.state_dict())
    ema.requires_grad_(False)
    params = list(net.parameters()) + list(code_head.parameters())
    opt = torch.optim.Adam(params, lr=stages[0]["lr"])
    step, trained_s = 0, 0.0
    last = run / "last.pt"
    if last.exists():
        ck = torch.load(last)
        net.load_state_dict(ck["model"])
        ema.load_state_dict(ck["ema"])
        code_head.load_state_dict(ck["code_head"])
        opt.load_state_dict(ck["opt"])
        step, trained_s = ck["step"], ck["trained_s"]
        rng.setstate(ck["py_rng"])
        torch.set_rng_state(ck["torch_rng"])
        gen.set_state(ck["motion_rng"])
        log(run, f"resumed at step {step} ({trained_s / 60:.1f} min trained)")
    else:
        log(run, f"new run: {total} steps in {len(stages)} stages, config {a.config}")

    val_csv = run / "val.csv"
    ensure_columns(val_csv, ["step", "stage", "minutes"] + Validation.COLUMNS)
    vgg = VGG(cfg["paths"]["vgg"])
    validation = Validation(cfg, vgg)
    sources = Sources(cfg, stage_at(stages, step)[0])
    log(run, sources.describe())

    def save():
        state = {"model": net.state_dict(), "ema": ema.state_dict(), "code_head": code_head.state_dict(),
                 "opt": opt.state_dict(), "step": step, "trained_s": trained_s + time.time() - t_start,
                 "py_rng": rng.getstate(), "torch_rng": torch.get_rng_state(), "motion_rng": gen.get_state(), "config": cfg}
        torch.save(state, str(last) + ".tmp")
        os.replace(str(last) + ".tmp", last)

    def validate(stage_name):
        v = validation(ema)
        with open(val_csv, "a") as f:
            csv.writer(f).writerow([step, stage_name, f"{(trained_s + time.time() - t_start) / 60:.1f}"]
                                   + [f"{v[k]:.4f}" for k in Validation.COLUMNS])
        log(run, f"val step {step} " + " ".join(f"{k} {v[k]:.3f}" for k in Validation.COLUMNS))

    stop = []  # SIGTERM/SIGINT: save at the end of the step and stop
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    t_start = t_save = time.time()
    if step < total and not measured_all(val_csv):
        validate(stage_at(stages, step)[0]["name"])  # the starting point of a new measure
    avg = {}
    while step < total:
        stage, start = stage_at(stages, step)
        w = stage["weights"]
        lr = learning_rate(stage, start, step)
        for g in opt.param_groups:
            g["lr"] = lr
        sources.enter(stage)
        if sources.online:
            terms = online_terms(net, code_head, vgg, sources, tc, rng, gen)
        else:
            terms = cached_terms(net, code_head, vgg, sources, w, tc, rng, gen, step)
        loss = sum(w.get(k, 0) * v for k, v in terms.items())
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
        with torch.no_grad():
            d = min(tc["ema"], (1 + step) / (10 + step))
            for pe, pn in zip(ema.parameters(), net.parameters()):
                pe.mul_(d).add_(pn, alpha=1 - d)
        step += 1
        for k, v in list(terms.items()) + [("loss", loss)]:
            avg[k] = 0.98 * avg.get(k, float(v)) + 0.02 * float(v)
        if step % 50 == 0:
            tt = trained_s + time.time() - t_start
            log(run, f"step {step} {stage['name']} lr {lr:.2e} " + " ".join(f"{k} {v:.4f}" for k, v in avg.items())
                + f" | {tt / 60:.1f} min")
        if step % tc["val_every"] == 0 or step == total:
            validate(stage["name"])
        out_of_time = stop or (a.until_minutes and time.time() - t_start > a.until_minutes * 60)
        if time.time() - t_save > tc["ckpt_minutes"] * 60 or step == total or out_of_time:
            save()
            t_save = time.time()
            if out_of_time:
                break


if __name__ == "__main__":
    main()
