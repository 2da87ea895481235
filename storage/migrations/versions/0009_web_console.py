"""web console: template versions, one-time sign-in links, uploads held for a dry run

Every saved wording of a response is kept (`template_versions`), so the web console can show who changed
what and when, compare versions and roll back; the newest version's id also tells every process to
reload overrides. An index over competence standings by competence and end date lets the overview count
them without joining every standing to its person. Sign-in links are stored as digests of their tokens. An uploaded import file is held
between its dry run and the person confirming it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_competence_standings_competence_valid', 'competence_standings',
                    ['competence_id', 'valid_until', 'person_id'], unique=False)
    op.create_table(
        'template_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('source', sa.Text(), nullable=True),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('restores_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_template_versions_created_by_id_people'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['restores_id'], ['template_versions.id'], name=op.f('fk_template_versions_restores_id_template_versions'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_template_versions')),
    )
    with op.batch_alter_table('template_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_template_versions_name'), ['name'], unique=False)

    op.create_table(
        'web_sign_in_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_digest', sa.String(length=64), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('issued_via', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_web_sign_in_links_person_id_people'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sign_in_links')),
        sa.UniqueConstraint('token_digest', name=op.f('uq_web_sign_in_links_token_digest')),
    )
    with op.batch_alter_table('web_sign_in_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sign_in_links_person_id'), ['person_id'], unique=False)

    op.create_table(
        'web_uploads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('filename', sa.String(length=300), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_web_uploads_person_id_people'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_uploads')),
    )
    with op.batch_alter_table('web_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_uploads_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_uploads_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('web_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_uploads_person_id'))
        batch_op.drop_index(batch_op.f('ix_web_uploads_created_at'))
    op.drop_table('web_uploads')
    with op.batch_alter_table('web_sign_in_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sign_in_links_person_id'))
    op.drop_table('web_sign_in_links')
    with op.batch_alter_table('template_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_template_versions_name'))
    op.drop_table('template_versions')
    op.drop_index('ix_competence_standings_competence_valid', table_name='competence_standings')
