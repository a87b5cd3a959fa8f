"""Printers: visitors over the typed tree, one class per format (input
language, Unicode text, LaTeX, NumPy code). Imports nodes, shapes and ops."""
