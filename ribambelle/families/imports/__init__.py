"""Import of households, guardians and children from the CSV export of a municipality's
previous software, then invitations to the imported parents.

parse.py reads and checks the file (cells.py reads one line), plan.py compares it with the
database and builds the preview, apply.py builds the plan again inside its transaction and
writes it only when it has no error. files.py keeps the uploaded file between the preview and
the confirmation; invitations.py sends the first-connection e-mails to the imported parents."""
