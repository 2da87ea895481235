"""nudges: appraisal records, assessment bookings, snoozes, done marks, nudge sends, item owners

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa
import storage.models.base

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('appraisal_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('last_appraisal_date', sa.Date(), nullable=False),
    sa.Column('next_due_date', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=30), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_appraisal_records_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['people.id'], name=op.f('fk_appraisal_records_updated_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_records')),
    sa.UniqueConstraint('person_id', name=op.f('uq_appraisal_records_person_id'))
    )
    op.create_table('assessment_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('competence_id', sa.Integer(), nullable=False),
    sa.Column('booked_for', sa.Date(), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booked_by_id'], ['people.id'], name=op.f('fk_assessment_bookings_booked_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['competence_id'], ['competences.id'], name=op.f('fk_assessment_bookings_competence_id_competences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_assessment_bookings_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_bookings')),
    sa.UniqueConstraint('person_id', 'competence_id', 'booked_for', name=op.f('uq_assessment_bookings_person_id'))
    )
    with op.batch_alter_table('assessment_bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_bookings_person_id'), ['person_id'], unique=False)

    op.create_table('item_owners',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('since', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['manager_id'], ['people.id'], name=op.f('fk_item_owners_manager_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_item_owners_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_item_owners'))
    )
    op.create_table('nudge_done',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=60), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['done_by_id'], ['people.id'], name=op.f('fk_nudge_done_done_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_nudge_done_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nudge_done')),
    sa.UniqueConstraint('person_id', 'item', 'due_date', name=op.f('uq_nudge_done_person_id'))
    )
    op.create_table('nudge_snoozes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=60), nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.Column('snoozed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_nudge_snoozes_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['snoozed_by_id'], ['people.id'], name=op.f('fk_nudge_snoozes_snoozed_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nudge_snoozes')),
    sa.UniqueConstraint('person_id', 'item', name=op.f('uq_nudge_snoozes_person_id'))
    )
    op.create_table('nudge_sends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('period', sa.String(length=40), nullable=False),
    sa.Column('on_day', sa.Date(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['outgoing_messages.id'], name=op.f('fk_nudge_sends_message_id_outgoing_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recipient_id'], ['people.id'], name=op.f('fk_nudge_sends_recipient_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nudge_sends')),
    sa.UniqueConstraint('recipient_id', 'kind', 'period', name=op.f('uq_nudge_sends_recipient_id'))
    )
    with op.batch_alter_table('nudge_sends', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nudge_sends_on_day'), ['on_day'], unique=False)

    op.create_table('nudge_item_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('send_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=60), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_nudge_item_notices_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['send_id'], ['nudge_sends.id'], name=op.f('fk_nudge_item_notices_send_id_nudge_sends'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nudge_item_notices')),
    sa.UniqueConstraint('key', name=op.f('uq_nudge_item_notices_key'))
    )
    with op.batch_alter_table('nudge_item_notices', schema=None) as batch_op:
        batch_op.create_index('ix_nudge_item_notices_due', ['kind', 'due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_nudge_item_notices_send_id'), ['send_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('nudge_item_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nudge_item_notices_send_id'))
        batch_op.drop_index('ix_nudge_item_notices_due')

    op.drop_table('nudge_item_notices')
    with op.batch_alter_table('nudge_sends', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nudge_sends_on_day'))

    op.drop_table('nudge_sends')
    op.drop_table('nudge_snoozes')
    op.drop_table('nudge_done')
    op.drop_table('item_owners')
    with op.batch_alter_table('assessment_bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_bookings_person_id'))

    op.drop_table('assessment_bookings')
    op.drop_table('appraisal_records')
