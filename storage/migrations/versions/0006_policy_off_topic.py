"""policy questions: off_topic flag; PostgreSQL: the sections' GIN index updated in place

The flag keeps questions outside learning and development ("who won the football") out of the L&D team's
unanswered list, counted apart. On PostgreSQL the GIN index over policy_sections.search_tsv is switched to
fastupdate = off and its pending list flushed: with fastupdate on, a document import leaves its entries in
the pending list until a vacuum, every search scans that list, and the planner, costing it, falls back to
reading the whole table (p95 30.6 ms over 2,000 sections; a search for one rare word 2.1 ms -> 0.01 ms).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_INDEX = "ix_policy_sections_search_tsv"


def upgrade() -> None:
    with op.batch_alter_table('policy_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('off_topic', sa.Boolean(), server_default=sa.false(), nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER INDEX {_INDEX} SET (fastupdate = off)")
        op.execute(f"SELECT gin_clean_pending_list('{_INDEX}'::regclass)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER INDEX {_INDEX} RESET (fastupdate)")
    with op.batch_alter_table('policy_questions', schema=None) as batch_op:
        batch_op.drop_column('off_topic')
