"""privacy: when someone left (people.left_on), and the anonymous tallies erasure keeps

`left_on` is the day a person left the service (or will leave: a future date keeps them active until then);
retention periods for leavers count from it. People already inactive keep no date, so no retention period
runs for them until one is set (a people import with a `left_on` column, or `--full`).

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_on', sa.Date(), nullable=True))

    op.create_table('anonymous_tallies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('station', sa.String(length=120), nullable=False),
    sa.Column('competence', sa.String(length=60), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_anonymous_tallies')),
    sa.UniqueConstraint('kind', 'year', 'station', 'competence', 'outcome', name=op.f('uq_anonymous_tallies_kind'))
    )


def downgrade() -> None:
    op.drop_table('anonymous_tallies')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('left_on')
