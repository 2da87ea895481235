"""ldbot: the platform-neutral core and its thin platform adapters."""
