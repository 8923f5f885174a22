"""Users (e-mail login), citizen profiles with the NIK, staff membership, roles and the MFA policy."""
