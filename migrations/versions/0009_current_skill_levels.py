"""current skill levels

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# The rule of lms.skills.assessments: mentor, HR or attestation first, then course, then
# self; the latest within a tier, the later record on a tie.
BACKFILL = """
INSERT INTO skill_levels (user_id, skill_id, assessment_id, level, source)
SELECT user_id, skill_id, id, level, source FROM (
    SELECT id, user_id, skill_id, level, source, row_number() OVER (
        PARTITION BY user_id, skill_id
        ORDER BY CASE WHEN source IN ('mentor', 'hr', 'attestation') THEN 0
                      WHEN source = 'course' THEN 1 ELSE 2 END,
                 assessed_at DESC, id DESC
    ) AS rank
    FROM skill_assessments
) AS ranked
WHERE rank = 1
"""


def upgrade():
    op.create_table('skill_levels',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['skill_assessments.id'], name=op.f('fk_skill_levels_assessment_id_skill_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_skill_levels_skill_id_skills'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_skill_levels_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'skill_id', name=op.f('pk_skill_levels'))
    )
    op.execute(BACKFILL)


def downgrade():
    op.drop_table('skill_levels')
