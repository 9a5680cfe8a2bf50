"""Pathways: a community for people changing careers in the AI era."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from community import config as settings
from community import extensions, urls

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _log_to_stderr() -> None:
    """The package's own messages (mail written out without ``MAIL_SERVER``, failed jobs) go
    to standard error at INFO, under ``flask run`` and gunicorn alike."""
    logger = logging.getLogger("community")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, CLI and error pages.

    It never touches the database schema; ``flask db upgrade`` does that.
    """
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_relative_config=True,
    )
    app.config.update(settings.BASE_SETTINGS)
    app.config.update(settings.settings_from_environment(app.instance_path))
    app.config.update(config or {})
    settings.check_production_settings(app.config)
    _log_to_stderr()
    if app.config["PROXY_FIX_X_FOR"]:
        # Behind trusted proxies the client is the address they forwarded, not theirs.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    # ``community.db`` is a module of this package, so the extension is named in full here.
    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(PROJECT_ROOT / "migrations"))
    urls.register_converters(app)
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    extensions.login_manager.init_app(app)
    extensions.mail.init_app(app)

    from community import assets, cli, errors, security, templating
    from community.accounts.views import bp as accounts_bp
    from community.discussions import comment_views, post_views, preview_views  # noqa: F401
    from community.discussions.blueprint import bp as discussions_bp
    from community.events import action_views, calendar_views, event_views, reminders  # noqa: F401
    from community.events.blueprint import bp as events_bp
    from community.feeds.views import bp as feeds_bp
    from community.main import robots  # noqa: F401  (route on the main blueprint)
    from community.main.guide_link import register_guide_link
    from community.main.views import bp as main_bp
    from community.mentorship import profile_views, request_views  # noqa: F401  (routes)
    from community.mentorship.blueprint import bp as mentorship_bp
    from community.moderation import content_views, member_views  # noqa: F401  (routes)
    from community.moderation import views as moderation_views  # noqa: F401  (routes)
    from community.moderation.blueprint import bp as moderation_bp
    from community.moderation.flag_views import register_flag_routes
    from community.notifications.views import bp as notifications_bp
    from community.plans import path_views  # noqa: F401  (routes)
    from community.plans import portfolio_views as plan_portfolio_views  # noqa: F401  (routes)
    from community.plans import reminders as plan_reminders  # noqa: F401  (command)
    from community.plans import resource_views as plan_resource_views  # noqa: F401  (routes)
    from community.plans import views as plan_views  # noqa: F401  (routes)
    from community.plans.blueprint import bp as plans_bp
    from community.search.views import bp as search_bp

    for blueprint in (
        main_bp,
        accounts_bp,
        discussions_bp,
        notifications_bp,
        mentorship_bp,
        events_bp,
        moderation_bp,
        search_bp,
        feeds_bp,
        plans_bp,
    ):
        app.register_blueprint(blueprint)

    register_flag_routes(app)
    errors.register_error_handlers(app)
    security.register_security_headers(app)
    assets.register_assets(app)
    register_guide_link(app)
    templating.register_template_helpers(app)
    cli.register_commands(app)
    return app
