"""privacy: when someone left (people.left_on), the anonymous tallies erasure keeps, and indexes it reads

Indexes: the audit log by record (a person's access log, read in chat) and by actor; and the foreign keys an
erasure's deletes check (evidence decided by someone, a standing's evidence, a nudge's message), which
otherwise read the whole child table once per deleted row.

`left_on` is the day a person left the service (or will leave: a future date keeps them active until then);
retention periods for leavers count from it. People already inactive keep no date, so no retention period
runs for them until one is set (a people import with a `left_on` column, or `--full`).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
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
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_entity', ['entity', 'entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_decided_by_id'), ['decided_by_id'], unique=False)
    with op.batch_alter_table('competence_standings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competence_standings_evidence_id'), ['evidence_id'], unique=False)
    with op.batch_alter_table('nudge_sends', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nudge_sends_message_id'), ['message_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('nudge_sends', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nudge_sends_message_id'))
    with op.batch_alter_table('competence_standings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competence_standings_evidence_id'))
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_decided_by_id'))
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))
        batch_op.drop_index('ix_audit_events_entity')
    op.drop_table('anonymous_tallies')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('left_on')
