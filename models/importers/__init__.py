"""Importers: published weights -> a stylecast model folder (README.md says how to run them).
`contract.py` is what every importer shares; `adain.py` and `magenta.py` are the two importers."""
