"""Evaluation harnesses: each fits a livecart model on simulated data and scores it against the
demo simulator's hidden truth. Above the core packages and the demo in the layers contract."""
