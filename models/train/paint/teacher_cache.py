"""Build (or extend) the git-ignored cache of Magenta-teacher outputs the student distils from.

  nice -n 15 /usr/bin/python3 -m models.train.paint.teacher_cache [--config models/train/paint/config.json]

Each sample is a random photo crop (random scale and flip, CROP x CROP) and a random training
painting; the cache keeps the crop, the painting's index and the teacher's stylization of the
crop (uint8), in fixed-size memory-mapped arrays, so the trainer reads any sample without loading
the whole cache. Samples are written in order and `count` is advanced atomically after each
chunk: an interrupted run resumes where it stopped and a reader never sees a half-written sample.
The teacher's style vectors (one per painting) are kept too; the student may learn to predict them.
Last, each painting's VGG feature statistics as stylemetrics reads it (longer side 512) are stored:
the targets of the style loss, computed once here instead of in every training step.
"""
import argparse
import random
import time
from pathlib import Path

import numpy as np
import torch

from models.importers.magenta import load_magenta
from models.train.paint.data import Paintings, Photos, load_config, open_cache
from models.train.vgg import VGG, feature_stats

HERE = Path(__file__).resolve().parent


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", default=str(HERE / "config.json"))
    p.add_argument("--threads", type=int, help="torch threads (default: the config's)")
    p.add_argument("--samples", type=int, help="grow the cache to this many samples (default: the config's)")
    a = p.parse_args()
    cfg = load_config(a.config)
    cc = cfg["cache"]
    total = a.samples or cc["samples"]
    torch.set_num_threads(a.threads or cc["threads"])
    predictor, transformer = load_magenta(cfg["paths"]["teacher"])
    photos, paintings = Photos(cfg, "train"), Paintings(cfg, "train")
    cache = open_cache(cfg, total, writable=True)
    start = cache.count
    print(f"cache {cache.root}: {start} of {total} samples; {len(photos)} photos, {len(paintings)} paintings", flush=True)

    with torch.no_grad():
        if not cache.codes_done():
            codes = np.zeros((len(paintings), 100), np.float32)
            for i in range(0, len(paintings), 32):
                imgs = torch.stack([paintings.square(j) for j in range(i, min(i + 32, len(paintings)))])
                codes[i:i + len(imgs)] = predictor(imgs / 255.0).numpy()
            cache.save_codes(codes)
            print(f"teacher style vectors for {len(paintings)} paintings", flush=True)
        codes = torch.from_numpy(cache.codes())
        t0, chunk = time.time(), cc.get("chunk", 64)
        for i in range(start, total, chunk):
            n = min(chunk, total - i)
            rng = random.Random(cfg["seed"] * 1_000_003 + i)  # sample i depends only on the seed and i
            crops = np.stack([photos.random_crop(cc["crop"], rng) for _ in range(n)])
            idx = np.array([rng.randrange(len(paintings)) for _ in range(n)], np.int32)
            x = torch.from_numpy(crops).permute(0, 3, 1, 2).float() / 255.0
            y = torch.cat([transformer(x[k:k + 8], codes[idx[k:k + 8]]) for k in range(0, n, 8)])
            out = (y.clamp(0, 1) * 255.0 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).numpy()
            cache.write(i, crops, idx, out)
            done = i + n - start
            rate = done / (time.time() - t0)
            print(f"{i + n}/{total} samples, {rate:.1f}/s, {(total - i - n) / rate / 60:.1f} min left", flush=True)
        style_targets(cache, paintings, VGG(cfg["paths"]["vgg"]))


def style_targets(cache, paintings, vgg, every=100):
    """VGG relu1_1..relu3_1 means and stds of every painting at stylemetrics' reading size; resumable."""
    done = cache.style_targets()
    rows = list(done) if done is not None else []
    start, t0 = len(rows), time.time()
    for i in range(start, len(paintings)):
        stats = feature_stats(vgg(paintings.vgg_view(i)[None] / 255.0))
        rows.append(torch.cat([t for pair in stats for t in pair], 1)[0].numpy())
        if len(rows) % every == 0 or len(rows) == len(paintings):
            cache.save_style_targets(np.stack(rows))
            rate = (i + 1 - start) / (time.time() - t0)
            print(f"style targets {len(rows)}/{len(paintings)}, {(len(paintings) - len(rows)) / rate / 60:.1f} min left", flush=True)


if __name__ == "__main__":
    main()
