"""Sweeps: one YAML -> a plan of cells (one run dir each, keyed by a hash) -> local, Ray or Slurm executors."""
