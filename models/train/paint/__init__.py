"""The `paint` model's trainer (models/paint/README.md); reproduce.sh runs it from seed 1.

  config.json      every hyper-parameter and the stages
  net.py           the network, its export graphs, net_from(config), checkpoint_net, with_blocks (growth)
  data.py          photos, paintings, the held-out split, the teacher cache
  teacher_cache.py builds the cache;  online.py makes batches and labels them as training runs
  sources.py       which of the two feeds a stage;  motion.py the random motions batches carry
  losses.py        each step's loss terms;  validation.py the held-out measure
  train.py         the loop;  training_state.py what last.pt holds;  run_folder.py the run's files
  export.py, quantize.py, validate.py, code_fit.py, macs.py, curve.py   after training
"""
