"""Agent LMS: training and a trusted knowledge base for contact-center agents."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from lms.config import DEFAULTS, load_config


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` (tests) overrides what the environment says."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(DEFAULTS)
    app.config.update(load_config(os.environ, app.instance_path))
    if config:
        app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)

    from lms import database, models, security, web  # noqa: F401 (models: all tables)
    from lms.extensions import babel, csrf, db, login_manager, migrate
    from lms.i18n import select_locale
    from lms.search import indexing

    db.init_app(app)
    database.configure_engines(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(app.root_path, os.pardir, "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=database.render_item,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    security.init_app(app)
    web.init_app(app)
    indexing.init_app(app)
    _register_blueprints(app)
    _register_cli(app)
    _register_hooks()
    return app


def _register_blueprints(app: Flask) -> None:
    from lms.admin.views import bp as admin_bp
    from lms.api import evaluation_views  # noqa: F401  (KPI imports, evaluations in the API)
    from lms.api.views import bp as api_bp
    from lms.auth.views import bp as auth_bp
    from lms.core.views import bp as core_bp
    from lms.courses.admin_views import bp as training_bp
    from lms.courses.views import bp as courses_bp
    from lms.evaluation import report_views  # noqa: F401  (the report routes of the surveys bp)
    from lms.evaluation.survey_views import bp as surveys_bp
    from lms.evaluation.views import bp as kpi_bp
    from lms.gaps.report_views import bp as gaps_bp
    from lms.gaps.views import bp as questions_bp
    from lms.kb.editor_views import bp as kb_edit_bp
    from lms.kb.player_views import bp as kb_play_bp
    from lms.kb.views import bp as kb_bp
    from lms.probation import hr_views  # noqa: F401  (HR routes of the probation blueprint)
    from lms.probation.views import bp as probation_bp
    from lms.search.views import bp as search_bp
    from lms.skills import (
        catalogue_views,  # noqa: F401  (catalogue and requirements routes)
        import_views,  # noqa: F401  (XLSX import routes of the skills blueprint)
    )
    from lms.skills.views import bp as skills_bp

    blueprints = (
        core_bp,
        auth_bp,
        admin_bp,
        api_bp,
        kb_bp,
        kb_edit_bp,
        kb_play_bp,
        search_bp,
        gaps_bp,
        questions_bp,
        courses_bp,
        training_bp,
        probation_bp,
        skills_bp,
        kpi_bp,
        surveys_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)


def _register_hooks() -> None:
    from lms.probation.services import register_hooks as probation_hooks
    from lms.skills.hooks import register_hooks as skills_hooks

    probation_hooks()
    skills_hooks()


def _register_cli(app: Flask) -> None:
    from lms.cli import lms_group

    app.cli.add_command(lms_group)
