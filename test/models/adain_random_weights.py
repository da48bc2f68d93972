#!/usr/bin/python3
"""Random weights in the layout of AdaIN's PyTorch release, for testing the importer at relu4_1.

    /usr/bin/python3 test/models/adain_random_weights.py OUT_DIR [SEED]

Writes OUT_DIR/vgg_normalised.pth (the whole normalised VGG-19, as the release has it) and
OUT_DIR/decoder.pth (the relu4_1 decoder, 512→256 first).
"""
import sys
from pathlib import Path

import torch

from adain_reference import decoder_relu4_1, vgg_normalised  # beside this script, on its path


def main():
    out = Path(sys.argv[1])
    torch.manual_seed(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    out.mkdir(parents=True, exist_ok=True)
    torch.save(vgg_normalised().state_dict(), out / "vgg_normalised.pth")
    torch.save(decoder_relu4_1().state_dict(), out / "decoder.pth")
    print(out)


if __name__ == "__main__":
    main()
