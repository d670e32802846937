"""Privacy: the data inventory, /privacy, the record of processing, retention and purge."""
