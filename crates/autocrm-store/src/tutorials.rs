//! Interactive tutorials: step graphs and their runs.
