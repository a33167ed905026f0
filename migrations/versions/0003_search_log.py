"""search log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('normalized', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('result_count', sa.Integer(), nullable=False),
    sa.Column('opened_slug', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_search_log_department_id_departments')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_search_log_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_log'))
    )
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_log_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_log_normalized'), ['normalized'], unique=False)



def downgrade():
    with op.batch_alter_table('search_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_log_normalized'))
        batch_op.drop_index(batch_op.f('ix_search_log_created_at'))

    op.drop_table('search_log')
