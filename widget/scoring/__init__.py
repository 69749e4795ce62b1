"""Pure scoring: numpy arrays of activity in, per-account scores out. No Flask, DB or network."""
