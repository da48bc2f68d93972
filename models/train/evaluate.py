"""Measure a stylecast model folder the way issue 4 asks (render through onnxruntime-node, score with
../shared/tools/stylemetrics.py):

  /usr/bin/python3 -m models.train.evaluate MODEL_DIR OUT_DIR [--alpha 1] [--frames 30] [--no-video]

- pairs: every ../shared/data/eval/eN.content.jpg (1280x720) with eN.style.jpg -> OUT_DIR/pairs,
  `stylemetrics.py pairs` -> mean style / content distance;
- temporal: the first --frames frames of every ../shared/data/video sequence, stylized with one
  fixed painting (--video-style), `stylemetrics.py video` -> mean warping error over sequences.
Writes OUT_DIR/scores.json. The eval pairs are for measuring only: nothing here feeds training.
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SHARED = REPO.parent / "shared"
METRICS = SHARED / "tools" / "stylemetrics.py"
VIDEO_STYLE = SHARED / "data" / "paintings" / "gcompris" / "gcompris_details_030.jpg"


def sh(args):
    out = subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True, cwd=REPO)
    return out.stdout


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("out")
    p.add_argument("--alpha", default="1")
    p.add_argument("--frames", type=int, default=30)
    p.add_argument("--no-video", action="store_true")
    p.add_argument("--video-style", default=str(VIDEO_STYLE))
    p.add_argument("--eval", default=str(SHARED / "data" / "eval"))
    p.add_argument("--video", default=str(SHARED / "data" / "video"))
    a = p.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    render = ["node", HERE / "render.mjs", a.model]
    sh(render + ["pairs", a.eval, out / "pairs", "--alpha", a.alpha])
    scores = {"model": a.model, "alpha": float(a.alpha), "pairs": json.loads(sh([sys.executable, METRICS, "pairs", out / "pairs"]))}
    if not a.no_video:
        seqs = {}
        for seq in sorted(Path(a.video).iterdir()):
            if not seq.is_dir():
                continue
            o = out / "video" / seq.name
            sh(render + ["video", seq, a.video_style, o, "--alpha", a.alpha, "--frames", str(a.frames)])
            seqs[seq.name] = json.loads(sh([sys.executable, METRICS, "video", seq, o]))
            print(seq.name, seqs[seq.name], flush=True)
        scores["video"] = {
            "style": str(Path(a.video_style).name), "frames": a.frames,
            "temporal": round(float(np.mean([s["temporal"] for s in seqs.values()])), 4),
            "temporal_input": round(float(np.mean([s["temporal_input"] for s in seqs.values()])), 4),
            "sequences": seqs,
        }
    (out / "scores.json").write_text(json.dumps(scores, indent=2) + "\n")
    print(json.dumps({"pairs": scores["pairs"]["mean"], "temporal": scores.get("video", {}).get("temporal")}))


if __name__ == "__main__":
    main()
