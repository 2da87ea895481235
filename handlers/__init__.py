"""One package per capability (a unit): its manifest in `__init__.py`, its chat routes, use cases,
command-line commands, jobs and templates beside it. `handlers/units.py` lists them."""
