"""kpi values and customer ratings

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kpi_metrics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_ru', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('direction', sa.String(length=6), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("direction IN ('higher', 'lower')", name=op.f('ck_kpi_metrics_known_direction')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_metrics')),
    sa.UniqueConstraint('code', name=op.f('uq_kpi_metrics_code'))
    )
    op.create_table('kpi_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('metric_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.CheckConstraint('target > 0', name=op.f('ck_kpi_targets_positive')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_kpi_targets_department_id_departments')),
    sa.ForeignKeyConstraint(['metric_id'], ['kpi_metrics.id'], name=op.f('fk_kpi_targets_metric_id_kpi_metrics'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_targets')),
    sa.UniqueConstraint('metric_id', 'department_id', name='uq_kpi_targets_metric_department')
    )
    with op.batch_alter_table('kpi_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpi_targets_department_id'), ['department_id'], unique=False)

    op.create_table('customer_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('quality', sa.Integer(), nullable=False),
    sa.Column('speed', sa.Integer(), nullable=False),
    sa.Column('ticket', sa.String(length=100), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('phone', 'chat', 'email', 'messenger', 'helpdesk')", name=op.f('ck_customer_ratings_known_channel')),
    sa.CheckConstraint('quality BETWEEN 1 AND 5', name=op.f('ck_customer_ratings_quality_1_5')),
    sa.CheckConstraint('speed BETWEEN 1 AND 5', name=op.f('ck_customer_ratings_speed_1_5')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_customer_ratings_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_ratings')),
    sa.UniqueConstraint('ticket', 'user_id', name='uq_customer_ratings_ticket_user')
    )
    with op.batch_alter_table('customer_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_customer_ratings_user_rated', ['user_id', 'rated_at'], unique=False)

    op.create_table('kpi_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('metric_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['metric_id'], ['kpi_metrics.id'], name=op.f('fk_kpi_values_metric_id_kpi_metrics')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_kpi_values_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_values')),
    sa.UniqueConstraint('user_id', 'period', 'metric_id', name='uq_kpi_values_user_period_metric')
    )
    with op.batch_alter_table('kpi_values', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_values_metric_period', ['metric_id', 'period', 'user_id', 'value'], unique=False)

    op.create_table('rating_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('what_happened', sa.Text(), nullable=False),
    sa.Column('is_customer_contacted', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('training_course_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['rating_id'], ['customer_ratings.id'], name=op.f('fk_rating_reviews_rating_id_customer_ratings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_rating_reviews_reviewer_id_users')),
    sa.ForeignKeyConstraint(['training_course_id'], ['courses.id'], name=op.f('fk_rating_reviews_training_course_id_courses'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_reviews')),
    sa.UniqueConstraint('rating_id', name=op.f('uq_rating_reviews_rating_id'))
    )
    with op.batch_alter_table('rating_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_reviews_training_course_id'), ['training_course_id'], unique=False)



def downgrade():
    with op.batch_alter_table('rating_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_reviews_training_course_id'))

    op.drop_table('rating_reviews')
    with op.batch_alter_table('kpi_values', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_values_metric_period')

    op.drop_table('kpi_values')
    with op.batch_alter_table('customer_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_ratings_user_rated')

    op.drop_table('customer_ratings')
    with op.batch_alter_table('kpi_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpi_targets_department_id'))

    op.drop_table('kpi_targets')
    op.drop_table('kpi_metrics')
