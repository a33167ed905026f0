"""evaluations and surveys

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('program_id', sa.Integer(), nullable=True),
    sa.Column('completed_from', sa.Date(), nullable=False),
    sa.Column('completed_to', sa.Date(), nullable=False),
    sa.Column('follow_up_days', sa.JSON(), nullable=False),
    sa.Column('file_hash', sa.String(length=64), nullable=True),
    sa.Column('edited_in_app', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(course_id IS NULL) <> (program_id IS NULL)', name=op.f('ck_evaluations_course_or_program')),
    sa.CheckConstraint('completed_from <= completed_to', name=op.f('ck_evaluations_period_in_order')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_evaluations_course_id_courses')),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_evaluations_program_id_programs')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_evaluations_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluations')),
    sa.UniqueConstraint('slug', name=op.f('uq_evaluations_slug'))
    )
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluations_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluations_program_id'), ['program_id'], unique=False)

    op.create_table('reaction_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('satisfaction', sa.Integer(), nullable=False),
    sa.Column('relevance', sa.Integer(), nullable=False),
    sa.Column('intent', sa.Integer(), nullable=False),
    sa.Column('planned_actions', sa.Text(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('intent BETWEEN 1 AND 5', name=op.f('ck_reaction_responses_intent_1_5')),
    sa.CheckConstraint('relevance BETWEEN 1 AND 5', name=op.f('ck_reaction_responses_relevance_1_5')),
    sa.CheckConstraint('satisfaction BETWEEN 1 AND 5', name=op.f('ck_reaction_responses_satisfaction_1_5')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_reaction_responses_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reaction_responses_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reaction_responses')),
    sa.UniqueConstraint('course_id', 'user_id', name='uq_reaction_responses_course_user')
    )
    with op.batch_alter_table('reaction_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reaction_responses_user_id'), ['user_id'], unique=False)

    op.create_table('follow_up_surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('days_after', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('barriers', sa.Text(), nullable=False),
    sa.Column('enablers', sa.Text(), nullable=False),
    sa.Column('estimate_pct', sa.Float(), nullable=True),
    sa.Column('confidence_pct', sa.Float(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('participant', 'mentor')", name=op.f('ck_follow_up_surveys_known_role')),
    sa.CheckConstraint('confidence_pct BETWEEN 0 AND 100', name=op.f('ck_follow_up_surveys_confidence_pct_0_100')),
    sa.CheckConstraint('days_after > 0', name=op.f('ck_follow_up_surveys_days_after_positive')),
    sa.CheckConstraint('estimate_pct BETWEEN 0 AND 100', name=op.f('ck_follow_up_surveys_estimate_pct_0_100')),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], name=op.f('fk_follow_up_surveys_evaluation_id_evaluations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['users.id'], name=op.f('fk_follow_up_surveys_participant_id_users')),
    sa.ForeignKeyConstraint(['respondent_id'], ['users.id'], name=op.f('fk_follow_up_surveys_respondent_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_surveys')),
    sa.UniqueConstraint('evaluation_id', 'participant_id', 'role', 'days_after', name='uq_follow_up_surveys_evaluation_participant_role_days')
    )
    with op.batch_alter_table('follow_up_surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_surveys_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index('ix_follow_up_surveys_respondent', ['respondent_id'], unique=False)



def downgrade():
    with op.batch_alter_table('follow_up_surveys', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_up_surveys_respondent')
        batch_op.drop_index(batch_op.f('ix_follow_up_surveys_participant_id'))

    op.drop_table('follow_up_surveys')
    with op.batch_alter_table('reaction_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reaction_responses_user_id'))

    op.drop_table('reaction_responses')
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluations_program_id'))
        batch_op.drop_index(batch_op.f('ix_evaluations_course_id'))

    op.drop_table('evaluations')
