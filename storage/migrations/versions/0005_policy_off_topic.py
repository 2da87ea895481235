"""policy questions: off_topic flag, so questions outside learning and development are not listed as gaps

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('policy_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('off_topic', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('policy_questions', schema=None) as batch_op:
        batch_op.drop_column('off_topic')
