"""Ingest: read, clean, locate and load directory records (see run_ingest)."""
