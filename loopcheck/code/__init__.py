"""Stage 4, code: facts read from a function's handler source (never run, never imported):
which calls write where, with which key, behind which guards."""
