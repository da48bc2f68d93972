"""Training and measuring stylecast's own models, run as modules from the repository root.

  paint/        the default model's trainer (README: models/paint/README.md)
  fast/         the older `fast` model's trainer (models/fast/README.md)
  vgg.py        the loss network and stylemetrics' measures, shared by both and the tools
  held_out.py   the held-out split of photos and paintings, shared by both
  evaluate.py, contact_sheet.py, feature_spread.py and the .mjs tools measure a model folder.
"""
