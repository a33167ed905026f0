"""knowledge base and skills catalogue

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kb_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['kb_categories.id'], name=op.f('fk_kb_categories_parent_id_kb_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_categories')),
    sa.UniqueConstraint('slug', name=op.f('uq_kb_categories_slug'))
    )
    with op.batch_alter_table('kb_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_categories_parent_id'), ['parent_id'], unique=False)

    op.create_table('skill_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_ru', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skill_groups')),
    sa.UniqueConstraint('code', name=op.f('uq_skill_groups_code'))
    )
    op.create_table('skills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('name_ru', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['skill_groups.id'], name=op.f('fk_skills_group_id_skill_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skills')),
    sa.UniqueConstraint('code', name=op.f('uq_skills_code'))
    )
    with op.batch_alter_table('skills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skills_group_id'), ['group_id'], unique=False)

    op.create_table('kb_articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('for_everyone', sa.Boolean(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('review_every_days', sa.Integer(), nullable=False),
    sa.Column('live_revision_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('review_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('translation_of_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('file_hash', sa.String(length=64), nullable=True),
    sa.Column('file_revision_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('article', 'script', 'template', 'regulation')", name=op.f('ck_kb_articles_known_kind')),
    sa.CheckConstraint("status IN ('draft', 'published', 'archived')", name=op.f('ck_kb_articles_known_status')),
    sa.ForeignKeyConstraint(['category_id'], ['kb_categories.id'], name=op.f('fk_kb_articles_category_id_kb_categories')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_kb_articles_owner_id_users')),
    sa.ForeignKeyConstraint(['translation_of_id'], ['kb_articles.id'], name=op.f('fk_kb_articles_translation_of_id_kb_articles')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_kb_articles_verified_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_articles')),
    sa.UniqueConstraint('slug', name=op.f('uq_kb_articles_slug'))
    )
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_articles_category_id'), ['category_id'], unique=False)
        batch_op.create_index('ix_kb_articles_category_updated', ["category_id", "updated_at"], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_articles_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_articles_translation_of_id'), ['translation_of_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_articles_review_due_at'), ['review_due_at'], unique=False)
        batch_op.create_index('ix_kb_articles_status_updated', ['status', 'updated_at'], unique=False)

    op.create_table('kb_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=100), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_kb_images_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_images')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_kb_images_stored_name'))
    )
    op.create_table('kb_article_departments',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_departments_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_kb_article_departments_department_id_departments')),
    sa.PrimaryKeyConstraint('article_id', 'department_id', name=op.f('pk_kb_article_departments'))
    )
    with op.batch_alter_table('kb_article_departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_departments_department_id'), ['department_id'], unique=False)

    op.create_table('kb_article_skills',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_skills_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_kb_article_skills_skill_id_skills')),
    sa.PrimaryKeyConstraint('article_id', 'skill_id', name=op.f('pk_kb_article_skills'))
    )
    op.create_table('kb_article_tags',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_tags_article_id_kb_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'tag', name=op.f('pk_kb_article_tags'))
    )
    with op.batch_alter_table('kb_article_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_article_tags_tag'), ['tag'], unique=False)

    op.create_table('kb_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('meta', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_comment', sa.String(length=1000), nullable=False),
    sa.Column('restored_from', sa.Integer(), nullable=True),
    sa.CheckConstraint("source IN ('editor', 'file')", name=op.f('ck_kb_revisions_known_source')),
    sa.CheckConstraint("state IN ('draft', 'pending', 'published', 'rejected')", name=op.f('ck_kb_revisions_known_state')),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_revisions_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_kb_revisions_author_id_users')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_kb_revisions_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_revisions')),
    sa.UniqueConstraint('article_id', 'number', name=op.f('uq_kb_revisions_article_id'))
    )
    with op.batch_alter_table('kb_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_revisions_article_id'), ['article_id'], unique=False)

    # kb_articles and kb_revisions point at each other: these keys come once both exist.
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_kb_articles_live_revision', 'kb_revisions', ['live_revision_id'], ['id'])
        batch_op.create_foreign_key('fk_kb_articles_file_revision', 'kb_revisions', ['file_revision_id'], ['id'])

    op.create_table('article_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('helpful', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_article_feedback_article_id_kb_articles')),
    sa.ForeignKeyConstraint(['revision_id'], ['kb_revisions.id'], name=op.f('fk_article_feedback_revision_id_kb_revisions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_article_feedback_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_feedback')),
    sa.UniqueConstraint('user_id', 'revision_id', name=op.f('uq_article_feedback_user_id'))
    )
    with op.batch_alter_table('article_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_feedback_article_id'), ['article_id'], unique=False)

    op.create_table('kb_must_reads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_must_reads_article_id_kb_articles')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_kb_must_reads_created_by_id_users')),
    sa.ForeignKeyConstraint(['revision_id'], ['kb_revisions.id'], name=op.f('fk_kb_must_reads_revision_id_kb_revisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_must_reads'))
    )
    with op.batch_alter_table('kb_must_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_must_reads_article_id'), ['article_id'], unique=False)

    op.create_table('kb_script_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('running', 'finished', 'abandoned')", name=op.f('ck_kb_script_runs_known_status')),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_script_runs_article_id_kb_articles')),
    sa.ForeignKeyConstraint(['revision_id'], ['kb_revisions.id'], name=op.f('fk_kb_script_runs_revision_id_kb_revisions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_kb_script_runs_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_script_runs'))
    )
    with op.batch_alter_table('kb_script_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_script_runs_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kb_script_runs_user_id'), ['user_id'], unique=False)

    op.create_table('kb_must_read_confirmations',
    sa.Column('must_read_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['must_read_id'], ['kb_must_reads.id'], name=op.f('fk_kb_must_read_confirmations_must_read_id_kb_must_reads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_kb_must_read_confirmations_user_id_users')),
    sa.PrimaryKeyConstraint('must_read_id', 'user_id', name=op.f('pk_kb_must_read_confirmations'))
    )
    with op.batch_alter_table('kb_must_read_confirmations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_must_read_confirmations_user_id'), ['user_id'], unique=False)

    op.create_table('kb_must_read_departments',
    sa.Column('must_read_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_kb_must_read_departments_department_id_departments')),
    sa.ForeignKeyConstraint(['must_read_id'], ['kb_must_reads.id'], name=op.f('fk_kb_must_read_departments_must_read_id_kb_must_reads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('must_read_id', 'department_id', name=op.f('pk_kb_must_read_departments'))
    )


def downgrade():
    op.drop_table('kb_must_read_departments')
    with op.batch_alter_table('kb_must_read_confirmations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_must_read_confirmations_user_id'))

    op.drop_table('kb_must_read_confirmations')
    with op.batch_alter_table('kb_script_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_script_runs_user_id'))
        batch_op.drop_index(batch_op.f('ix_kb_script_runs_article_id'))

    op.drop_table('kb_script_runs')
    with op.batch_alter_table('kb_must_reads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_must_reads_article_id'))

    op.drop_table('kb_must_reads')
    with op.batch_alter_table('article_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_feedback_article_id'))

    op.drop_table('article_feedback')
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.drop_constraint('fk_kb_articles_file_revision', type_='foreignkey')
        batch_op.drop_constraint('fk_kb_articles_live_revision', type_='foreignkey')

    with op.batch_alter_table('kb_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_revisions_article_id'))

    op.drop_table('kb_revisions')
    with op.batch_alter_table('kb_article_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_article_tags_tag'))

    op.drop_table('kb_article_tags')
    op.drop_table('kb_article_skills')
    with op.batch_alter_table('kb_article_departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_article_departments_department_id'))

    op.drop_table('kb_article_departments')
    op.drop_table('kb_images')
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_articles_status_updated')
        batch_op.drop_index(batch_op.f('ix_kb_articles_review_due_at'))
        batch_op.drop_index(batch_op.f('ix_kb_articles_owner_id'))
        batch_op.drop_index(batch_op.f('ix_kb_articles_translation_of_id'))
        batch_op.drop_index('ix_kb_articles_category_updated')
        batch_op.drop_index(batch_op.f('ix_kb_articles_category_id'))

    op.drop_table('kb_articles')
    with op.batch_alter_table('skills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skills_group_id'))

    op.drop_table('skills')
    op.drop_table('skill_groups')
    with op.batch_alter_table('kb_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_categories_parent_id'))

    op.drop_table('kb_categories')
