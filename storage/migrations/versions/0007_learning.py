"""learning: opportunities, sessions, broadcasts, invitations, bookings (with the waitlist) and evaluations

A booking is unique per opportunity and person, an invitation too (nobody is invited twice), an evaluation
per booking and stage; `learning_sessions.next_seq` hands out click order under the session's row lock.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa
import storage.models.base
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('learning_opportunities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('provider', sa.String(length=200), nullable=False),
    sa.Column('approval', sa.String(length=20), nullable=False),
    sa.Column('link', sa.String(length=1000), nullable=True),
    sa.Column('complete_by', sa.Date(), nullable=True),
    sa.Column('audience', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_learning_opportunities_created_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_opportunities'))
    )
    op.create_table('learning_broadcasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('deliver_from', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('audience_size', sa.Integer(), nullable=False),
    sa.Column('invited', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['opportunity_id'], ['learning_opportunities.id'], name=op.f('fk_learning_broadcasts_opportunity_id_learning_opportunities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['people.id'], name=op.f('fk_learning_broadcasts_sent_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_broadcasts'))
    )
    with op.batch_alter_table('learning_broadcasts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learning_broadcasts_opportunity_id'), ['opportunity_id'], unique=False)

    op.create_table('learning_competences',
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('competence_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['competence_id'], ['competences.id'], name=op.f('fk_learning_competences_competence_id_competences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['learning_opportunities.id'], name=op.f('fk_learning_competences_opportunity_id_learning_opportunities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('opportunity_id', 'competence_id', name=op.f('pk_learning_competences'))
    )
    op.create_table('learning_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('starts_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('venue', sa.String(length=300), nullable=True),
    sa.Column('online_link', sa.String(length=1000), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('booking_cutoff', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('next_seq', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['opportunity_id'], ['learning_opportunities.id'], name=op.f('fk_learning_sessions_opportunity_id_learning_opportunities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_sessions')),
    sa.UniqueConstraint('opportunity_id', 'number', name=op.f('uq_learning_sessions_opportunity_id'))
    )
    op.create_table('learning_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('offered_until', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('approver_id', sa.Integer(), nullable=True),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('attendance', sa.String(length=20), nullable=True),
    sa.Column('attendance_by_id', sa.Integer(), nullable=True),
    sa.Column('attendance_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('evidence_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approver_id'], ['people.id'], name=op.f('fk_learning_bookings_approver_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['attendance_by_id'], ['people.id'], name=op.f('fk_learning_bookings_attendance_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['booked_by_id'], ['people.id'], name=op.f('fk_learning_bookings_booked_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['learning_opportunities.id'], name=op.f('fk_learning_bookings_opportunity_id_learning_opportunities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_learning_bookings_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['learning_sessions.id'], name=op.f('fk_learning_bookings_session_id_learning_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_bookings')),
    sa.UniqueConstraint('opportunity_id', 'person_id', name=op.f('uq_learning_bookings_opportunity_id'))
    )
    with op.batch_alter_table('learning_bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learning_bookings_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_learning_bookings_session', ['session_id', 'status', 'seq'], unique=False)

    op.create_table('learning_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('broadcast_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('gaps', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('response', sa.String(length=20), nullable=True),
    sa.Column('responded_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['broadcast_id'], ['learning_broadcasts.id'], name=op.f('fk_learning_invitations_broadcast_id_learning_broadcasts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['learning_opportunities.id'], name=op.f('fk_learning_invitations_opportunity_id_learning_opportunities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_learning_invitations_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_invitations')),
    sa.UniqueConstraint('opportunity_id', 'person_id', name=op.f('uq_learning_invitations_opportunity_id'))
    )
    with op.batch_alter_table('learning_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learning_invitations_broadcast_id'), ['broadcast_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_learning_invitations_person_id'), ['person_id'], unique=False)

    op.create_table('learning_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('useful', sa.Integer(), nullable=True),
    sa.Column('apply', sa.Text(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('answer', sa.String(length=20), nullable=True),
    sa.Column('answered_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['learning_bookings.id'], name=op.f('fk_learning_evaluations_booking_id_learning_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['learning_opportunities.id'], name=op.f('fk_learning_evaluations_opportunity_id_learning_opportunities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['respondent_id'], ['people.id'], name=op.f('fk_learning_evaluations_respondent_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['learning_sessions.id'], name=op.f('fk_learning_evaluations_session_id_learning_sessions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_evaluations')),
    sa.UniqueConstraint('booking_id', 'stage', name=op.f('uq_learning_evaluations_booking_id'))
    )
    with op.batch_alter_table('learning_evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learning_evaluations_opportunity_id'), ['opportunity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_learning_evaluations_respondent_id'), ['respondent_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('learning_evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learning_evaluations_respondent_id'))
        batch_op.drop_index(batch_op.f('ix_learning_evaluations_opportunity_id'))

    op.drop_table('learning_evaluations')
    with op.batch_alter_table('learning_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learning_invitations_person_id'))
        batch_op.drop_index(batch_op.f('ix_learning_invitations_broadcast_id'))

    op.drop_table('learning_invitations')
    with op.batch_alter_table('learning_bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_learning_bookings_session')
        batch_op.drop_index(batch_op.f('ix_learning_bookings_person_id'))

    op.drop_table('learning_bookings')
    op.drop_table('learning_sessions')
    op.drop_table('learning_competences')
    with op.batch_alter_table('learning_broadcasts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learning_broadcasts_opportunity_id'))

    op.drop_table('learning_broadcasts')
    op.drop_table('learning_opportunities')
