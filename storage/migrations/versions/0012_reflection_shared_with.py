"""reflections are shared with a person: who (the line manager when it was shared)

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_with_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_reflections_shared_with_id'), ['shared_with_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_reflections_shared_with_id_people'), 'people', ['shared_with_id'],
                                    ['id'], ondelete='SET NULL')
    # What was shared before was shared with the line manager of the time: today's is the best record of it.
    op.execute(
        "UPDATE reflections SET shared_with_id = "
        "(SELECT line_manager_id FROM people WHERE people.id = reflections.person_id) "
        "WHERE shared_with_manager"
    )


def downgrade() -> None:
    with op.batch_alter_table('reflections', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reflections_shared_with_id_people'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_reflections_shared_with_id'))
        batch_op.drop_column('shared_with_id')
