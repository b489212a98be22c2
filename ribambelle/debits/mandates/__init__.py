"""SEPA mandates: the creditor settings of a billing office, the households' mandates signed
online or recorded from paper, their versions, revocation, suspension and expiry."""
