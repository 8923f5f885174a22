"""Regions (Polda, Polres), offices (Satpas, Samsat, BPKB unit), holidays and appointment slots."""
