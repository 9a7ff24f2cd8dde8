"""Stage 6, judge: every cycle of the event graph judged hop by hop (loop, possible, guarded,
none), with the evidence each verdict rests on."""
