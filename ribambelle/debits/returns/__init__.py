"""Returned direct debits (rejets, R-transactions): the reason codes in French, the bank files
that report them (camt.054, pain.002), their import and the staff's manual entry."""
