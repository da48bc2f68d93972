"""The `paint` model's trainer (models/paint/README.md), run as modules from the repository root
(`/usr/bin/python3 -m models.train.paint.train`); reproduce.sh runs it all from seed 1."""
