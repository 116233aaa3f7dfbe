"""Guided coding: the check queue, the coder's features, training and the coding job."""
