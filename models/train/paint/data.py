"""Data for the `paint` student: the config, photos and paintings (with the held-out split) and
the memory-mapped teacher cache."""
import json
import math
import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from models.train.held_out import split

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent.parent
IMAGE_EXT = (".jpg", ".jpeg", ".png", ".bmp", ".tif")


def load_config(path):
    """The JSON config, with its relative paths resolved against the repository root."""
    cfg = json.loads(Path(path).read_text())
    cfg["paths"] = {k: str((REPO / v).resolve()) for k, v in cfg["paths"].items()}
    return cfg


def crop_letterbox(img):
    """wikiart224's publisher letterboxed its paintings with near-black bars: cut them off."""
    a = np.asarray(img.convert("L"), dtype=np.float32)
    r, c = np.where(a.mean(1) > 6)[0], np.where(a.mean(0) > 6)[0]
    if len(r) < 32 or len(c) < 32:
        return img
    return img.crop((int(c[0]), int(r[0]), int(c[-1]) + 1, int(r[-1]) + 1))


def is_sharp(path):
    """paintings/sharp/: images whose original's shorter side is >= 448 px, kept at their own size."""
    return "sharp" in Path(path).parts


def at_longest(img, longest):
    """A PIL image resized (bicubic) to a longer side of `longest`, aspect kept: float CHW 0..255."""
    s = longest / max(img.size)
    return to_chw(np.asarray(img.resize((max(1, round(img.width * s)), max(1, round(img.height * s))), Image.BICUBIC)))


def to_chw(a):
    return torch.from_numpy(np.require(a, requirements=["C", "W"])).permute(2, 0, 1).float()


class Photos:
    """Content photos of one split, kept decoded in memory (765 photos, shorter side <= 512)."""

    def __init__(self, cfg, part):
        root = Path(cfg["paths"]["data"]) / "photos"
        paths = split(sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_EXT), part)
        self.images = [np.asarray(Image.open(p).convert("RGB")) for p in paths]
        self.images = [a for a in self.images if min(a.shape[:2]) >= 96]

    def __len__(self):
        return len(self.images)

    def random_crop(self, size, rng):
        """A size x size uint8 crop after a random rescale (0.6..1.2, at least enough to cover) and flip."""
        a = self.images[rng.randrange(len(self.images))]
        s = max(rng.uniform(0.6, 1.2), size / min(a.shape[:2]))
        img = Image.fromarray(a)
        img = img.resize((math.ceil(img.width * s), math.ceil(img.height * s)), Image.BICUBIC)
        h, w = img.height, img.width
        y, x = rng.randint(0, h - size), rng.randint(0, w - size)
        c = np.asarray(img)[y:y + size, x:x + size]
        return np.ascontiguousarray(c[:, ::-1] if rng.random() < 0.5 else c)


class Paintings:
    """Style paintings of one split. `square(i)` is painting i as the teacher's style encoder sees
    it (bilinear to side x side, float CHW 0..255); `vgg_view(i)` is it at a longer side of 512, as
    stylemetrics reads a style; `read(i, style_read)` is it as a student's encoder reads it. `only`
    picks the sharp folder ("sharp"), the rest ("soft") or all (None); stages 1-2 ran on the rest
    alone, before paintings/sharp/ existed."""

    def __init__(self, cfg, part, side=256, only="soft"):
        root = Path(cfg["paths"]["data"]) / "paintings"
        paths = split(sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_EXT), part)
        self.paths = [p for p in paths if only is None or is_sharp(p) == (only == "sharp")]
        self.side = side
        self._square = {}

    def __len__(self):
        return len(self.paths)

    def image(self, i):
        img = Image.open(self.paths[i]).convert("RGB")
        return crop_letterbox(img) if "wikiart224" in str(self.paths[i]) else img

    def square(self, i):
        if i not in self._square:
            img = self.image(i).resize((self.side, self.side), Image.BILINEAR)
            self._square[i] = to_chw(np.asarray(img))
        return self._square[i]

    def random_view(self, i, rng, sides=(192, 288)):
        """A part of painting i at its own resolution, never enlarged (uint8 HWC): a thumbnail
        (longer side <= sides[1]) whole; a larger image rescaled by 0.5-1x (from stylemetrics'
        reading size, or from the file's own size for a sharp one, keeping a side of at least
        sides[0] where the image has one) and cropped to a random square side in `sides`."""
        img = self.image(i)
        if max(img.size) <= sides[1]:
            return np.asarray(img)
        base = 1.0 if is_sharp(self.paths[i]) else min(1.0, 512 / max(img.size))
        s = base * rng.uniform(0.5, 1.0)
        s = max(s, sides[0] / min(img.size)) if min(img.size) >= sides[0] else 1.0
        img = img.resize((max(1, round(img.width * s)), max(1, round(img.height * s))), Image.BICUBIC)
        c = min(rng.randint(*sides), img.width, img.height)
        x, y = rng.randint(0, img.width - c), rng.randint(0, img.height - c)
        return np.asarray(img.crop((x, y, x + c, y + c)))

    def read(self, i, style_read):
        """Painting i as a student's style encoder reads it (net.style_read): [1,3,h,w] float 0..255."""
        return (self.square(i) if style_read is None else self.vgg_view(i, style_read))[None]

    def vgg_view(self, i, longest=512):
        return at_longest(self.image(i), longest)


class Cache:
    """Teacher samples in memory-mapped arrays: content and teacher output uint8 [M,S,S,3],
    the painting index [M]; `count` (a small JSON file replaced atomically) says how many are complete."""

    def __init__(self, root, capacity, crop, writable):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        meta = self.root / "meta.json"
        if meta.exists():
            m = json.loads(meta.read_text())
            if m["crop"] != crop:
                raise SystemExit(f"{self.root}: cache holds {m['crop']}px crops, the config asks {crop}; delete it to rebuild")
            capacity = max(capacity, m["capacity"]) if writable else m["capacity"]
            self.count = m["count"]
        else:
            self.count = 0
        self.capacity, self.crop = capacity, crop
        mode = "r+" if writable else "r"
        shape = (capacity, crop, crop, 3)
        for name in ("content", "teacher"):
            f = self.root / f"{name}.u8"
            if writable and (not f.exists() or f.stat().st_size < np.prod(shape)):
                with open(f, "ab") as fh:
                    fh.truncate(int(np.prod(shape)))
        self.content = np.memmap(self.root / "content.u8", np.uint8, mode, shape=shape)
        self.teacher = np.memmap(self.root / "teacher.u8", np.uint8, mode, shape=shape)
        idx = self.root / "style.i32"
        if writable and (not idx.exists() or idx.stat().st_size < capacity * 4):
            with open(idx, "ab") as fh:
                fh.truncate(capacity * 4)
        self.style = np.memmap(idx, np.int32, mode, shape=(capacity,))
        if writable:
            self._write_meta()

    def _write_meta(self):
        tmp = self.root / "meta.json.tmp"
        tmp.write_text(json.dumps({"count": self.count, "capacity": self.capacity, "crop": self.crop}))
        os.replace(tmp, self.root / "meta.json")

    def write(self, i, content, style, teacher):
        n = len(content)
        self.content[i:i + n], self.teacher[i:i + n], self.style[i:i + n] = content, teacher, style
        for a in (self.content, self.teacher, self.style):
            a.flush()
        self.count = i + n
        self._write_meta()

    def refresh(self):
        """Re-read `count` (the builder may still be adding samples)."""
        self.count = json.loads((self.root / "meta.json").read_text())["count"]
        return self.count

    def codes_done(self):
        return (self.root / "codes.npy").exists()

    def save_codes(self, codes):
        np.save(self.root / "codes.tmp.npy", codes)
        os.replace(self.root / "codes.tmp.npy", self.root / "codes.npy")

    def codes(self):
        return np.load(self.root / "codes.npy")

    def style_targets(self):
        """[P, 2*(64+128+256)] VGG means/stds per painting (those computed so far), or None."""
        f = self.root / "style_targets.npy"
        return np.load(f) if f.exists() else None

    def save_style_targets(self, targets):
        np.save(self.root / "style_targets.tmp.npy", targets)
        os.replace(self.root / "style_targets.tmp.npy", self.root / "style_targets.npy")


def open_cache(cfg, capacity=0, writable=False):
    return Cache(cfg["paths"]["cache"], capacity, cfg["cache"]["crop"], writable)
