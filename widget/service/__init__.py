"""The service layer: "the score record for this id" (store -> record), and the scoring run."""
