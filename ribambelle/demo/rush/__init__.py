"""The deadline-rush benchmark (`manage.py rush`, `make rush`): a whole town of parents logging
in and ticking cells of the weekly grid within a minute, over real HTTP against gunicorn, then a
check of the database that no acknowledged change was lost or duplicated.

The pure parts (arrival schedule, percentiles, form reading, the comparison of what the parents
were told with what the database holds) are separate from the parts that need a server or a
database, so that a fast unit test keeps them honest."""
