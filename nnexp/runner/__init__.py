"""One run, from a spec to its folder and back.

:mod:`~nnexp.runner.train` trains a spec into a new run folder (or resumes an
interrupted one); :mod:`~nnexp.runner.continuation` makes the spec that trains a
completed run for more epochs; :mod:`~nnexp.runner.rerun` trains a run again from its
``config.yaml`` and checks that it reproduces; :mod:`~nnexp.runner.evaluate` evaluates
saved weights on a split; :mod:`~nnexp.runner.trained` rebuilds a trained network from
its folder.  Sweep cells train through this floor; users reach it through
:mod:`nnexp.api`.
"""
