"""Stock keeping for the sample warehouse."""
