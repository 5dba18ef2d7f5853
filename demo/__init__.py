"""Offline demo: replay recorded LinkedIn history through a loopback server and the real spider."""
