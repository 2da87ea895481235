"""The web console at /admin: server-rendered pages for admins and the L&D team on the same use cases."""
