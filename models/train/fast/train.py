"""Train stylecast's `fast` model on the CPU (Debian python3-torch).

  nice -n 10 /usr/bin/python3 -m models.train.fast.train --run models/train/runs/fast --seed 1 --steps 1000
  ... add --resume to continue a run from its last checkpoint (same command otherwise).

Losses (VGG-19 relu1_1..relu3_1 from ../shared/weights, the network behind stylemetrics.py, used
only as the loss network):
  style    sum over the three layers of ||mean(out)-mean(style)|| + ||std(out)-std(style)||
           (stylemetrics' style distance; the style is read at a longer side of 512, as there)
  content  mean squared difference of instance-normalised relu3_1 of output and content
           (stylemetrics' content distance), weighted by --content-weight
  recon    L1 between the alpha=0 output and the content (alpha 0 is the unstyled reconstruction)
  distill  L1 (0..255) between the output and the Magenta teacher's output for the same content and
           style image (read through models/importers/magenta.py), weighted by --distill-weight
  shift    L1 between outputs of the same content shifted by a few pixels (the network's 4x4
           input grid must not show as flicker when a camera pans), weighted by --shift-weight
Data: content crops from ../shared/data/photos, styles from ../shared/data/paintings (wikiart224's
black letterbox bars cropped). 3% of each, chosen by file-name hash, are held out for validation.
"""
import argparse
import json
import math
import os
import random
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from models.importers.magenta import load_magenta
from models.train.fast.net import STYLE_SIZE, Net, nchw_to_rows, rows_to_nchw
from models.train.held_out import held_out
from models.train.vgg import VGG, WEIGHTS, feature_stats, instance_norm, style_distance

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[3] / "shared"
DEFAULT_DATA = SHARED / "data"
DEFAULT_TEACHER = SHARED / "weights" / "magenta-arbitrary-v1-256-int8"
STYLE_SIDE = 512  # stylemetrics reads a style at this longer side


def log(run, msg):
    line = time.strftime("%H:%M:%S ") + msg
    print(line, flush=True)
    with open(run / "train.log", "a") as f:
        f.write(line + "\n")


def crop_letterbox(img):
    a = np.asarray(img.convert("L"), dtype=np.float32)
    rows = np.where(a.max(1) > 24)[0]
    cols = np.where(a.max(0) > 24)[0]
    if len(rows) < 32 or len(cols) < 32:
        return img
    # bars are near-black rows/cols at the edges; keep rows whose mean is not black
    rm, cm = a.mean(1), a.mean(0)
    r = np.where(rm > 6)[0]
    c = np.where(cm > 6)[0]
    return img.crop((int(c[0]), int(r[0]), int(c[-1]) + 1, int(r[-1]) + 1))


def load_images(paths, longest, letterbox=False):
    out = []
    for p in paths:
        img = Image.open(p).convert("RGB")
        if letterbox:
            img = crop_letterbox(img)
        if min(img.size) < 64:
            continue
        if longest:
            s = longest / max(img.size)
            img = img.resize((max(1, round(img.width * s)), max(1, round(img.height * s))), Image.BICUBIC)
        out.append(np.asarray(img, dtype=np.uint8))
    return out


def dataset(data):
    photos = sorted(p for p in (data / "photos").rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".bmp", ".tif"))
    paintings = sorted(p for p in (data / "paintings").rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    tr_p = [p for p in photos if not held_out(p)]
    va_p = [p for p in photos if held_out(p)]
    tr_s = [p for p in paintings if not held_out(p)]
    va_s = [p for p in paintings if held_out(p)]
    d = {
        "photos": load_images(tr_p, None),
        "styles": [im for p in tr_s for im in load_images([p], STYLE_SIDE, letterbox="wikiart224" in str(p))],
        "val_photos": load_images(va_p, None),
        "val_styles": [im for p in va_s for im in load_images([p], STYLE_SIDE, letterbox="wikiart224" in str(p))],
    }
    return d["photos"], d["styles"], d["val_photos"], d["val_styles"]


def to_tensor(a):
    return torch.from_numpy(np.ascontiguousarray(a)).permute(2, 0, 1).float()


def random_crop(a, h, w, rng):
    H, W = a.shape[:2]
    y = rng.randint(0, H - h) if H > h else 0
    x = rng.randint(0, W - w) if W > w else 0
    return a[y:y + h, x:x + w]


def content_batch(photos, n, size, pad, rng):
    """n crops of (size+pad)^2 after a random rescale (0.7..1.4) and flip; float NCHW in 0..255."""
    out = []
    for _ in range(n):
        a = photos[rng.randrange(len(photos))]
        s = rng.uniform(0.7, 1.4)
        need = (size + pad) / min(a.shape[:2])
        s = max(s, need)
        img = Image.fromarray(a)
        img = img.resize((math.ceil(img.width * s), math.ceil(img.height * s)), Image.BICUBIC)
        c = random_crop(np.asarray(img), size + pad, size + pad, rng)
        if rng.random() < 0.5:
            c = c[:, ::-1]
        out.append(to_tensor(c))
    return torch.stack(out)


def style_batch(styles, idx, crop, rng):
    """(images squashed to STYLE_SIZE^2 for the code, crops at the 512-side scale for the VGG target)."""
    codes, crops = [], []
    for i in idx:
        a = styles[i]
        codes.append(to_tensor(np.asarray(Image.fromarray(a).resize((STYLE_SIZE, STYLE_SIZE), Image.BILINEAR))))
        h, w = min(crop, a.shape[0]), min(crop, a.shape[1])
        crops.append(to_tensor(random_crop(a, h, w, rng)))
    return torch.stack(codes), crops


def style_targets(vgg, crops, idx, cache):
    """VGG stats of each style's crop; computed once per style and cached (the loss network is the
    costliest part of a step on a shared 2-core machine)."""
    ts = []
    with torch.no_grad():
        for i, c in zip(idx, crops):
            if i not in cache:
                cache[i] = feature_stats(vgg(c[None] / 255.0))
            ts.append(cache[i])
    return [(torch.cat([t[l][0] for t in ts]), torch.cat([t[l][1] for t in ts])) for l in range(3)]


class Teacher:
    """The Magenta network as a distillation target: its stylization of a content batch (0..255),
    with each style's vector computed once (the style predictor costs ~0.3 s; the transformer
    ~10 ms for a 128x128 crop)."""

    def __init__(self, weights):
        self.predictor, self.transformer = load_magenta(weights)
        self.codes = {}

    @torch.no_grad()
    def __call__(self, content, style_images, idx):
        for i, img in zip(idx, style_images):
            if i not in self.codes:
                self.codes[i] = self.predictor(img[None] / 255.0)
        code = torch.cat([self.codes[i] for i in idx])
        return self.transformer(content / 255.0, code) * 255.0


def validate(net, vgg, val_photos, val_styles, seed=123):
    """Mean style/content distance on fixed held-out pairs at 320x224 (whole style at a 256 side)."""
    rng = random.Random(seed)
    net.eval()
    S, C = [], []
    with torch.no_grad():
        for k in range(6):
            a = val_photos[k % len(val_photos)]
            img = Image.fromarray(a).resize((320, 224), Image.BICUBIC)
            x = to_tensor(np.asarray(img))[None]
            st = val_styles[rng.randrange(len(val_styles))]
            code_img = to_tensor(np.asarray(Image.fromarray(st).resize((STYLE_SIZE, STYLE_SIZE), Image.BILINEAR)))[None]
            code = net.encode_style(nchw_to_rows(code_img))
            y = rows_to_nchw(net.stylize(nchw_to_rows(x), code, torch.ones(1, net.levels))).clamp(0, 255).round()
            fo, fc = vgg(y / 255), vgg(x / 255)
            fs = vgg(to_tensor(np.asarray(Image.fromarray(st).resize((st.shape[1] // 2, st.shape[0] // 2), Image.BICUBIC)))[None] / 255)
            S.append(float(style_distance(feature_stats(fo), feature_stats(fs))))
            C.append(float(((instance_norm(fo[2]) - instance_norm(fc[2])) ** 2).mean()))
    net.train()
    return float(np.mean(S)), float(np.mean(C))


SHIFT_PAD = 4  # the shift term moves the content by 1..SHIFT_PAD px


def step_losses(net, vgg, teacher, photos, styles, target_cache, a, rng):
    """One step's batch and its loss: (the weighted sum, {term: value}), the terms as the top says."""
    big = content_batch(photos, a.batch, a.size, SHIFT_PAD, rng)
    dy, dx = rng.randint(1, SHIFT_PAD), rng.randint(1, SHIFT_PAD)
    x = big[:, :, :a.size, :a.size]
    xs = big[:, :, dy:dy + a.size, dx:dx + a.size]
    idx = [rng.randrange(len(styles)) for _ in range(a.batch)]
    code_imgs, crops = style_batch(styles, idx, a.style_crop, rng)
    targets = style_targets(vgg, crops, idx, target_cache)

    code = net.encode_style(nchw_to_rows(code_imgs))
    ones = torch.ones(a.batch, net.levels)
    y = rows_to_nchw(net.stylize(nchw_to_rows(x), code, ones))
    yc = y.clamp(0, 255) / 255.0
    fo = vgg(yc)
    with torch.no_grad():
        fc = vgg(x / 255.0)
    l_style = style_distance(feature_stats(fo), targets).mean()
    l_content = ((instance_norm(fo[2]) - instance_norm(fc[2])) ** 2).mean()
    loss = l_style + a.content_weight * l_content
    ys = rows_to_nchw(net.stylize(nchw_to_rows(xs), code, ones))
    l_shift = (y[:, :, dy:, dx:] - ys[:, :, :a.size - dy, :a.size - dx]).abs().mean()
    loss = loss + a.shift_weight * l_shift
    l_distill = torch.zeros(())
    if teacher is not None:
        l_distill = (y - teacher(x, code_imgs, idx)).abs().mean()
        loss = loss + a.distill_weight * l_distill
    r = rows_to_nchw(net.stylize(nchw_to_rows(x), code, torch.zeros(a.batch, net.levels)))
    l_recon = (r - x).abs().mean()
    loss = loss + a.recon_weight * l_recon
    return loss, {"style": l_style, "content": l_content, "distill": l_distill, "shift": l_shift, "recon": l_recon}


def arguments():
    p = argparse.ArgumentParser()
    p.add_argument("--run", default=str(HERE.parent / "runs" / "fast"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--size", type=int, default=128, help="content crop side (multiple of 16)")
    p.add_argument("--style-crop", type=int, default=160)
    p.add_argument("--widths", default="16,32,64")
    p.add_argument("--blocks", type=int, default=2)
    p.add_argument("--init", help="start from this checkpoint's (EMA) weights with a fresh optimiser and schedule")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--content-weight", type=float, default=10.0)
    p.add_argument("--recon-weight", type=float, default=0.02)
    p.add_argument("--shift-weight", type=float, default=0.05)
    p.add_argument("--distill-weight", type=float, default=0.0, help="weight of the L1 to the teacher's output")
    p.add_argument("--teacher", default=str(DEFAULT_TEACHER), help="Magenta int8 TFLite folder (read only while training)")
    p.add_argument("--threads", type=int, default=1, help="1 is faster than 2 on a shared, oversubscribed machine")
    p.add_argument("--data", default=str(DEFAULT_DATA))
    p.add_argument("--vgg", default=str(WEIGHTS))
    p.add_argument("--ckpt-every", type=float, default=180.0, help="seconds")
    p.add_argument("--val-every", type=int, default=500)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--stop-at", type=int, default=None, help="save and stop at this step (a segment of a longer schedule)")
    return p.parse_args()


def main():
    a = arguments()
    torch.set_num_threads(a.threads)
    run = Path(a.run)
    run.mkdir(parents=True, exist_ok=True)
    cfg = {"widths": [int(v) for v in a.widths.split(",")], "blocks": a.blocks}

    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    net = Net(*cfg["widths"], blocks=cfg["blocks"])
    ema = Net(*cfg["widths"], blocks=cfg["blocks"])
    if a.init:
        ck = torch.load(a.init)
        net.load_state_dict(ck["ema"])  # the EMA is what ships
    ema.load_state_dict(net.state_dict())
    opt = torch.optim.Adam(net.parameters(), lr=a.lr)
    step, elapsed = 0, 0.0
    last = run / "last.pt"
    if a.resume and last.exists():
        ck = torch.load(last)
        net.load_state_dict(ck["model"])
        ema.load_state_dict(ck["ema"])
        opt.load_state_dict(ck["opt"])
        step, elapsed = ck["step"], ck.get("elapsed", 0.0)
        rng.setstate(ck["py_rng"])
        torch.set_rng_state(ck["torch_rng"])
        log(run, f"resumed at step {step} ({elapsed / 60:.1f} min trained)")
    else:
        (run / "train.log").unlink(missing_ok=True)
        log(run, "args " + json.dumps(vars(a)) + (f" (weights from {a.init} at its step {ck['step']})" if a.init else ""))

    t0 = time.time()
    photos, styles, val_photos, val_styles = dataset(Path(a.data))
    log(run, f"data: {len(photos)} photos, {len(styles)} styles ({len(val_photos)}/{len(val_styles)} held out), {time.time() - t0:.0f}s")
    vgg = VGG(a.vgg)
    teacher = Teacher(a.teacher) if a.distill_weight > 0 else None

    def save():
        torch.save({"model": net.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), "step": step,
                    "elapsed": elapsed + time.time() - t_start, "py_rng": rng.getstate(),
                    "torch_rng": torch.get_rng_state(), "config": cfg, "args": vars(a)}, str(last) + ".tmp")
        os.replace(str(last) + ".tmp", last)

    t_start, t_save = time.time(), time.time()
    avg = {}
    target_cache = {}  # each style's VGG statistics, computed once
    stop = min(a.steps, a.stop_at or a.steps)
    while step < stop:
        lr = a.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / a.steps)))
        for g in opt.param_groups:
            g["lr"] = lr
        loss, terms = step_losses(net, vgg, teacher, photos, styles, target_cache, a, rng)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
        opt.step()
        with torch.no_grad():
            d = min(0.999, (1 + step) / (10 + step))
            for pe, pn in zip(ema.parameters(), net.parameters()):
                pe.mul_(d).add_(pn, alpha=1 - d)
        step += 1
        for k, v in [("loss", loss)] + list(terms.items()):
            avg[k] = 0.98 * avg.get(k, float(v)) + 0.02 * float(v)
        if step % 10 == 0:
            tt = elapsed + time.time() - t_start
            log(run, f"step {step} lr {lr:.2e} " + " ".join(f"{k} {v:.3f}" for k, v in avg.items()) + f" | {tt / 60:.1f} min, {tt / step:.2f} s/step")
        if step % a.val_every == 0 or step == a.steps:
            vs, vc = validate(ema, vgg, val_photos, val_styles)
            log(run, f"val step {step} style {vs:.3f} content {vc:.4f}")
        if time.time() - t_save > a.ckpt_every or step == stop:
            save()
            t_save = time.time()
    log(run, f"stopped at step {step}" if step < a.steps else "done")


if __name__ == "__main__":
    main()
