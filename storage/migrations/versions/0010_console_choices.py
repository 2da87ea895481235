"""console choices: numbered choices the console showed, kept so old numbers keep their meaning; what an
asker adds to a question handed to the L&D team

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa

import storage.models.base

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('console_choices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.String(length=300), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_console_choices_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_choices')),
    sa.UniqueConstraint('person_id', 'number', name=op.f('uq_console_choices_person_id'))
    )
    with op.batch_alter_table('console_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_choices_person_id'), ['person_id'], unique=False)
    with op.batch_alter_table('policy_handoffs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detail', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('policy_handoffs', schema=None) as batch_op:
        batch_op.drop_column('detail')
    with op.batch_alter_table('console_choices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_choices_person_id'))
    op.drop_table('console_choices')
