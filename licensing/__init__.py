"""SIM services: licences held, new licence, renewal, upgrade, replacement, exams."""
