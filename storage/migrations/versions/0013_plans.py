"""plans: pathways, their steps, development plans, changed dates and check-ins

A plan is unique per person and pathway; a pathway's name, and the role it is the induction for, are unique.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa
import storage.models.base
from sqlalchemy.dialects import postgresql

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pathways',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('induction_role', sa.String(length=40), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_pathways_created_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pathways')),
    sa.UniqueConstraint('induction_role', name=op.f('uq_pathways_induction_role')),
    sa.UniqueConstraint('name', name=op.f('uq_pathways_name'))
    )
    op.create_table('pathway_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pathway_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('target', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('offset_months', sa.Integer(), nullable=False),
    sa.Column('offset_days', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['pathway_id'], ['pathways.id'], name=op.f('fk_pathway_steps_pathway_id_pathways'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pathway_steps')),
    sa.UniqueConstraint('pathway_id', 'position', name=op.f('uq_pathway_steps_pathway_id'))
    )
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('pathway_id', sa.Integer(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_via', sa.String(length=20), nullable=False),
    sa.Column('agreed_by_person_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('agreed_by_manager_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('agreed_manager_id', sa.Integer(), nullable=True),
    sa.Column('completed_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreed_manager_id'], ['people.id'], name=op.f('fk_plans_agreed_manager_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['people.id'], name=op.f('fk_plans_assigned_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pathway_id'], ['pathways.id'], name=op.f('fk_plans_pathway_id_pathways'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_plans_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans')),
    sa.UniqueConstraint('person_id', 'pathway_id', name=op.f('uq_plans_person_id'))
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plans_agreed_manager_id'), ['agreed_manager_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plans_assigned_by_id'), ['assigned_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plans_pathway_id'), ['pathway_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plans_person_id'), ['person_id'], unique=False)

    op.create_table('plan_checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_checkins_plan_id_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['people.id'], name=op.f('fk_plan_checkins_recorded_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_checkins'))
    )
    with op.batch_alter_table('plan_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_checkins_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_checkins_recorded_by_id'), ['recorded_by_id'], unique=False)

    op.create_table('plan_step_dates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('target_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['people.id'], name=op.f('fk_plan_step_dates_changed_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_step_dates_plan_id_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['step_id'], ['pathway_steps.id'], name=op.f('fk_plan_step_dates_step_id_pathway_steps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_step_dates'))
    )
    with op.batch_alter_table('plan_step_dates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_step_dates_changed_by_id'), ['changed_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_step_dates_plan_id'), ['plan_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('plan_step_dates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_step_dates_plan_id'))
        batch_op.drop_index(batch_op.f('ix_plan_step_dates_changed_by_id'))

    op.drop_table('plan_step_dates')
    with op.batch_alter_table('plan_checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_checkins_recorded_by_id'))
        batch_op.drop_index(batch_op.f('ix_plan_checkins_plan_id'))

    op.drop_table('plan_checkins')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plans_person_id'))
        batch_op.drop_index(batch_op.f('ix_plans_pathway_id'))
        batch_op.drop_index(batch_op.f('ix_plans_assigned_by_id'))
        batch_op.drop_index(batch_op.f('ix_plans_agreed_manager_id'))

    op.drop_table('plans')
    op.drop_table('pathway_steps')
    op.drop_table('pathways')
