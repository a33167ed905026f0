"""skill requirements and assessments

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('skill_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('assessed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.CheckConstraint("source IN ('self', 'mentor', 'course', 'attestation', 'hr')", name=op.f('ck_skill_assessments_known_source')),
    sa.CheckConstraint('level BETWEEN 0 AND 4', name=op.f('ck_skill_assessments_level_0_4')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_skill_assessments_author_id_users')),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_skill_assessments_skill_id_skills')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_skill_assessments_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skill_assessments'))
    )
    with op.batch_alter_table('skill_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skill_assessments_skill_id'), ['skill_id'], unique=False)
        batch_op.create_index('ix_skill_assessments_user_skill', ['user_id', 'skill_id', 'assessed_at'], unique=False)

    op.create_table('skill_requirements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('position_id', sa.Integer(), nullable=True),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.CheckConstraint('level BETWEEN 0 AND 4', name=op.f('ck_skill_requirements_level_0_4')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_skill_requirements_department_id_departments')),
    sa.ForeignKeyConstraint(['position_id'], ['positions.id'], name=op.f('fk_skill_requirements_position_id_positions')),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_skill_requirements_skill_id_skills')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skill_requirements')),
    sa.UniqueConstraint('department_id', 'position_id', 'skill_id', name=op.f('uq_skill_requirements_department_id'))
    )
    with op.batch_alter_table('skill_requirements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skill_requirements_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_skill_requirements_skill_id'), ['skill_id'], unique=False)

    with op.batch_alter_table('skills', schema=None) as batch_op:
        batch_op.add_column(sa.Column('descriptors', sa.JSON(), nullable=True))



def downgrade():
    with op.batch_alter_table('skills', schema=None) as batch_op:
        batch_op.drop_column('descriptors')

    with op.batch_alter_table('skill_requirements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skill_requirements_skill_id'))
        batch_op.drop_index(batch_op.f('ix_skill_requirements_department_id'))

    op.drop_table('skill_requirements')
    with op.batch_alter_table('skill_assessments', schema=None) as batch_op:
        batch_op.drop_index('ix_skill_assessments_user_skill')
        batch_op.drop_index(batch_op.f('ix_skill_assessments_skill_id'))

    op.drop_table('skill_assessments')
