"""One module per page: each composes widgets and figures into what a page shows."""
