"""Declarations shipped with PolicyWatch: one TOML file per platform."""
