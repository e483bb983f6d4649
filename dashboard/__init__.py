"""The top of the console: the dashboard, which reads every app, and the demo loader, which writes through them."""
