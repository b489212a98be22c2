"""The public treasury (Hélios): PES V2 exports of invoices and the treasury's answers."""
