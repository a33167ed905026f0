"""probation plans, meeting notes and attestations

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rubrics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('file_hash', sa.String(length=64), nullable=True),
    sa.Column('edited_in_app', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rubrics')),
    sa.UniqueConstraint('slug', name=op.f('uq_rubrics_slug'))
    )
    op.create_table('plan_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('position_id', sa.Integer(), nullable=True),
    sa.Column('duration_days', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('file_hash', sa.String(length=64), nullable=True),
    sa.Column('edited_in_app', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['position_id'], ['positions.id'], name=op.f('fk_plan_templates_position_id_positions')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_plan_templates_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_templates')),
    sa.UniqueConstraint('slug', name=op.f('uq_plan_templates_slug'))
    )
    with op.batch_alter_table('plan_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_templates_position_id'), ['position_id'], unique=False)

    op.create_table('probations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=True),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('active', 'passed', 'failed', 'ended')", name=op.f('ck_probations_known_state')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_probations_created_by_id_users')),
    sa.ForeignKeyConstraint(['mentor_id'], ['users.id'], name=op.f('fk_probations_mentor_id_users')),
    sa.ForeignKeyConstraint(['template_id'], ['plan_templates.id'], name=op.f('fk_probations_template_id_plan_templates')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_probations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_probations'))
    )
    with op.batch_alter_table('probations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_probations_mentor_id'), ['mentor_id'], unique=False)
        batch_op.create_index('ix_probations_state_ends', ['state', 'ends_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_probations_user_id'), ['user_id'], unique=False)

    op.create_table('attestations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('probation_id', sa.Integer(), nullable=False),
    sa.Column('rubric_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['probation_id'], ['probations.id'], name=op.f('fk_attestations_probation_id_probations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rubric_id'], ['rubrics.id'], name=op.f('fk_attestations_rubric_id_rubrics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attestations')),
    sa.UniqueConstraint('probation_id', name=op.f('uq_attestations_probation_id'))
    )
    op.create_table('meeting_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('mentee_id', sa.Integer(), nullable=False),
    sa.Column('probation_id', sa.Integer(), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('observation', sa.Text(), nullable=False),
    sa.Column('impact', sa.Text(), nullable=False),
    sa.Column('correction', sa.Text(), nullable=False),
    sa.Column('consolidation', sa.Text(), nullable=False),
    sa.Column('homework_course_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['homework_course_id'], ['courses.id'], name=op.f('fk_meeting_notes_homework_course_id_courses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mentee_id'], ['users.id'], name=op.f('fk_meeting_notes_mentee_id_users')),
    sa.ForeignKeyConstraint(['mentor_id'], ['users.id'], name=op.f('fk_meeting_notes_mentor_id_users')),
    sa.ForeignKeyConstraint(['probation_id'], ['probations.id'], name=op.f('fk_meeting_notes_probation_id_probations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_notes'))
    )
    with op.batch_alter_table('meeting_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_notes_mentee_id'), ['mentee_id'], unique=False)

    op.create_table('probation_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('probation_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_probation_events_actor_id_users')),
    sa.ForeignKeyConstraint(['probation_id'], ['probations.id'], name=op.f('fk_probation_events_probation_id_probations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_probation_events'))
    )
    with op.batch_alter_table('probation_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_probation_events_probation_id'), ['probation_id'], unique=False)

    op.create_table('probation_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('probation_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=200), nullable=False),
    sa.Column('stage_number', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('target', sa.String(length=120), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('ticked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('course', 'program', 'article', 'task', 'meeting', 'attestation')", name=op.f('ck_probation_items_known_kind')),
    sa.ForeignKeyConstraint(['completed_by_id'], ['users.id'], name=op.f('fk_probation_items_completed_by_id_users')),
    sa.ForeignKeyConstraint(['probation_id'], ['probations.id'], name=op.f('fk_probation_items_probation_id_probations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_probation_items'))
    )
    with op.batch_alter_table('probation_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_probation_items_probation_id'), ['probation_id'], unique=False)

    op.create_table('attestation_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attestation_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('rubric_definition', sa.JSON(), nullable=False),
    sa.Column('grades', sa.JSON(), nullable=False),
    sa.Column('total', sa.Double(), nullable=False),
    sa.Column('rule_outcome', sa.String(length=4), nullable=False),
    sa.Column('proposal', sa.String(length=6), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=False),
    sa.Column('observation', sa.Text(), nullable=False),
    sa.Column('impact', sa.Text(), nullable=False),
    sa.Column('correction', sa.Text(), nullable=False),
    sa.Column('consolidation', sa.Text(), nullable=False),
    sa.Column('graded_by_id', sa.Integer(), nullable=False),
    sa.Column('graded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replaces_reason', sa.Text(), nullable=False),
    sa.CheckConstraint("proposal IN ('pass', 'fail', 'extend')", name=op.f('ck_attestation_versions_known_proposal')),
    sa.ForeignKeyConstraint(['attestation_id'], ['attestations.id'], name=op.f('fk_attestation_versions_attestation_id_attestations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_attestation_versions_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['graded_by_id'], ['users.id'], name=op.f('fk_attestation_versions_graded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attestation_versions')),
    sa.UniqueConstraint('attestation_id', 'number', name=op.f('uq_attestation_versions_attestation_id'))
    )


def downgrade():
    op.drop_table('attestation_versions')
    with op.batch_alter_table('probation_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_probation_items_probation_id'))

    op.drop_table('probation_items')
    with op.batch_alter_table('probation_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_probation_events_probation_id'))

    op.drop_table('probation_events')
    with op.batch_alter_table('meeting_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_notes_mentee_id'))

    op.drop_table('meeting_notes')
    op.drop_table('attestations')
    with op.batch_alter_table('probations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_probations_user_id'))
        batch_op.drop_index('ix_probations_state_ends')
        batch_op.drop_index(batch_op.f('ix_probations_mentor_id'))

    op.drop_table('probations')
    with op.batch_alter_table('plan_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_templates_position_id'))

    op.drop_table('plan_templates')
    op.drop_table('rubrics')
