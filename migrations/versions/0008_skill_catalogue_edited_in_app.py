"""skill catalogue edited in the app

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('skill_groups', 'skills'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('edited_in_app', sa.Boolean(), server_default=sa.false(), nullable=False)
            )


def downgrade():
    for table in ('skills', 'skill_groups'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('edited_in_app')
