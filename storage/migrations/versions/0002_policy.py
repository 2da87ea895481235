"""policy documents, sections, full-text search, questions, feedback, hand-offs, standard answers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

The full-text index lives outside the ORM metadata:
- SQLite: an FTS5 table over the sections' folded text (external content, Porter stemming) kept in step by
  triggers, ranked with bm25().
- PostgreSQL: a generated tsvector column (english configuration, heading weighted A, context C, body B)
  with a GIN index, ranked with ts_rank().
"""

from alembic import op
import sqlalchemy as sa
import storage.models.base
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_FTS = [
    """CREATE VIRTUAL TABLE policy_sections_fts USING fts5(
        search_heading, search_context, search_body,
        content='policy_sections', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER policy_sections_fts_ai AFTER INSERT ON policy_sections BEGIN
        INSERT INTO policy_sections_fts(rowid, search_heading, search_context, search_body)
        VALUES (new.id, new.search_heading, new.search_context, new.search_body);
    END""",
    """CREATE TRIGGER policy_sections_fts_ad AFTER DELETE ON policy_sections BEGIN
        INSERT INTO policy_sections_fts(policy_sections_fts, rowid, search_heading, search_context, search_body)
        VALUES ('delete', old.id, old.search_heading, old.search_context, old.search_body);
    END""",
    """CREATE TRIGGER policy_sections_fts_au AFTER UPDATE ON policy_sections BEGIN
        INSERT INTO policy_sections_fts(policy_sections_fts, rowid, search_heading, search_context, search_body)
        VALUES ('delete', old.id, old.search_heading, old.search_context, old.search_body);
        INSERT INTO policy_sections_fts(rowid, search_heading, search_context, search_body)
        VALUES (new.id, new.search_heading, new.search_context, new.search_body);
    END""",
]

POSTGRES_TSV = [
    """ALTER TABLE policy_sections ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(search_heading, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(search_context, '')), 'C') ||
        setweight(to_tsvector('english', coalesce(search_body, '')), 'B')) STORED""",
    "CREATE INDEX ix_policy_sections_search_tsv ON policy_sections USING gin (search_tsv)",
]


def upgrade() -> None:
    op.create_table('policy_document_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_key', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('source_url', sa.String(length=1000), nullable=True),
    sa.Column('source_name', sa.String(length=300), nullable=False),
    sa.Column('imported_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('sections', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_document_versions'))
    )
    with op.batch_alter_table('policy_document_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_document_versions_document_key'), ['document_key'], unique=False)

    op.create_table('policy_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('source_url', sa.String(length=1000), nullable=True),
    sa.Column('source_name', sa.String(length=300), nullable=False),
    sa.Column('format', sa.String(length=20), nullable=False),
    sa.Column('imported_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['imported_by_id'], ['people.id'], name=op.f('fk_policy_documents_imported_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_documents')),
    sa.UniqueConstraint('key', name=op.f('uq_policy_documents_key'))
    )
    op.create_table('policy_standard_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('concepts', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=200), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_policy_standard_answers_author_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_standard_answers'))
    )
    op.create_table('policy_synonyms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=120), nullable=False),
    sa.Column('means', sa.String(length=300), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['people.id'], name=op.f('fk_policy_synonyms_added_by_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_synonyms')),
    sa.UniqueConstraint('term', name=op.f('uq_policy_synonyms_term')),
    sqlite_autoincrement=True,
    )
    op.create_table('policy_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=True),
    sa.Column('heading', sa.String(length=300), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=600), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('search_heading', sa.Text(), nullable=False),
    sa.Column('search_context', sa.Text(), nullable=False),
    sa.Column('search_body', sa.Text(), nullable=False),
    sa.Column('stems', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['policy_documents.id'], name=op.f('fk_policy_sections_document_id_policy_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_sections')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('policy_sections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_sections_document_id'), ['document_id'], unique=False)

    op.create_table('policy_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('asked_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('concepts', sa.Text(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('answered', sa.Boolean(), nullable=False),
    sa.Column('confident', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=True),
    sa.Column('cited', sa.String(length=700), nullable=True),
    sa.Column('standard_answer_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_policy_questions_person_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['section_id'], ['policy_sections.id'], name=op.f('fk_policy_questions_section_id_policy_sections'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['standard_answer_id'], ['policy_standard_answers.id'], name=op.f('fk_policy_questions_standard_answer_id_policy_standard_answers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_questions'))
    )
    with op.batch_alter_table('policy_questions', schema=None) as batch_op:
        batch_op.create_index('ix_policy_questions_answered', ['answered', 'asked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_questions_person_id'), ['person_id'], unique=False)

    op.create_table('policy_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('helpful', sa.Boolean(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=True),
    sa.Column('cited', sa.String(length=700), nullable=True),
    sa.Column('standard_answer_id', sa.Integer(), nullable=True),
    sa.Column('at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_policy_feedback_person_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['policy_questions.id'], name=op.f('fk_policy_feedback_question_id_policy_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['section_id'], ['policy_sections.id'], name=op.f('fk_policy_feedback_section_id_policy_sections'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['standard_answer_id'], ['policy_standard_answers.id'], name=op.f('fk_policy_feedback_standard_answer_id_policy_standard_answers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_feedback'))
    )
    with op.batch_alter_table('policy_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_feedback_question_id'), ['question_id'], unique=False)

    op.create_table('policy_handoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('asker_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', storage.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', storage.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('standard_answer_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['people.id'], name=op.f('fk_policy_handoffs_answered_by_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['asker_id'], ['people.id'], name=op.f('fk_policy_handoffs_asker_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['policy_questions.id'], name=op.f('fk_policy_handoffs_question_id_policy_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['standard_answer_id'], ['policy_standard_answers.id'], name=op.f('fk_policy_handoffs_standard_answer_id_policy_standard_answers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_handoffs')),
    sa.UniqueConstraint('question_id', name=op.f('uq_policy_handoffs_question_id'))
    )
    with op.batch_alter_table('policy_handoffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_handoffs_asker_id'), ['asker_id'], unique=False)


    dialect = op.get_bind().dialect.name
    for statement in SQLITE_FTS if dialect == "sqlite" else POSTGRES_TSV if dialect == "postgresql" else []:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("policy_sections_fts_ai", "policy_sections_fts_ad", "policy_sections_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS policy_sections_fts")
    with op.batch_alter_table('policy_handoffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_handoffs_asker_id'))

    op.drop_table('policy_handoffs')
    with op.batch_alter_table('policy_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_feedback_question_id'))

    op.drop_table('policy_feedback')
    with op.batch_alter_table('policy_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_questions_person_id'))
        batch_op.drop_index('ix_policy_questions_answered')

    op.drop_table('policy_questions')
    with op.batch_alter_table('policy_sections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_sections_document_id'))

    op.drop_table('policy_sections')
    op.drop_table('policy_synonyms')
    op.drop_table('policy_standard_answers')
    op.drop_table('policy_documents')
    with op.batch_alter_table('policy_document_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_document_versions_document_key'))

    op.drop_table('policy_document_versions')

