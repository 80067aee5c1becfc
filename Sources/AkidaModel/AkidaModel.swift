// Akida model: layers of both targets, typed variables, summary text and the integer simulator.
