"""Spiders of the PolicyWatch crawler (one generic spider over declarations)."""
