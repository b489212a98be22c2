"""Refunds of families' credit by SEPA credit transfer (pain.001) to their mandate's account."""
