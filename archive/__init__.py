"""History in and out: web-archive backfill, Open Terms Archive import, git and dataset export."""
