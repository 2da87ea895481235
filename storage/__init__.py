"""Storage: SQLAlchemy models, the queries handlers need, and Alembic migrations."""
