"""The analysis of one template, stage after stage (analysis.py), and the plain data a scan
returns to the reporters (result.py)."""
