"""competence standings: each person's newest competent evidence per competence, for the nudge scan

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('competence_standings',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('competence_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('activity_date', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['competence_id'], ['competences.id'], name=op.f('fk_competence_standings_competence_id_competences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_competence_standings_evidence_id_evidence'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_competence_standings_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', 'competence_id', name=op.f('pk_competence_standings'))
    )
    with op.batch_alter_table('competence_standings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competence_standings_valid_until'), ['valid_until'], unique=False)

    # Everyone's standing from the evidence already recorded (the newest competent evidence counts).
    op.execute("""
        INSERT INTO competence_standings (person_id, competence_id, evidence_id, activity_date, valid_until)
        SELECT e.person_id, ec.competence_id, e.id, e.activity_date, e.valid_until
        FROM evidence e JOIN evidence_competences ec ON ec.evidence_id = e.id
        WHERE e.status = 'competent' AND NOT EXISTS (
            SELECT 1 FROM evidence n JOIN evidence_competences nec ON nec.evidence_id = n.id
            WHERE n.person_id = e.person_id AND nec.competence_id = ec.competence_id AND n.status = 'competent'
              AND (n.activity_date > e.activity_date OR (n.activity_date = e.activity_date AND n.id > e.id))
        )
    """)


def downgrade() -> None:
    with op.batch_alter_table('competence_standings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competence_standings_valid_until'))

    op.drop_table('competence_standings')
