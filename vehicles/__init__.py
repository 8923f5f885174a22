"""Vehicle registry, STNK endorsement and renewal, BPKB transfer and replacement, mutasi."""
