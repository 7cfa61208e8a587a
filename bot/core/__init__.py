"""Engine core: normalise, match, decide. Pure: no discord, no I/O per question."""
