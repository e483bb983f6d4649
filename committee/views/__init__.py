"""Pages of the committee app: decisions, their votes and register (``decisions``); the committees, their seats
and delegates (``committees``)."""
