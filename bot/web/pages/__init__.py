"""One module per page of the web console, each adding its own routes."""
