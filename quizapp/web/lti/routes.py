"""LTI 1.3 endpoints: thin views over quizapp's LTI services (which use pylti1p3).

Launch flow, and why it survives blocked third-party cookies:

1. ``/lti/login`` (the LMS's OIDC login initiation) issues state and nonce, stores them
   server-side, and answers with a page whose script saves them where this browser can
   read them back: the LMS's storage frame (LTI postMessage storage, when the LMS sends
   ``lti_storage_target``) and the tab's own storage; failing both, it offers a new
   window, where cookies are first-party. Then it goes on to the LMS's auth endpoint.
2. ``/lti/launch`` receives the id_token. With the state cookie it completes at once;
   without it, the token waits server-side while a page reads state and nonce back from
   that storage and posts them to ``/lti/launch/verify`` (same-origin only).
3. The validated launch lands on an embed page with a signed pass instead of a session.

The LTI services load pylti1p3 (and with it jwt, cryptography and requests), so each view
imports the ones it calls: starting the app for a ``flask`` command does not load them, and
a preloading server loads them before it forks (see ``quizapp.warm_up``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from flask import (
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from wtforms import ValidationError

from quizapp.extensions import csrf, db, limiter
from quizapp.models import Course, LtiResourceLink, StudySet, utcnow
from quizapp.services import classes
from quizapp.services import sets as set_service
from quizapp.services.embed import EmbedError, EmbedPass
from quizapp.services.lti_common import LtiError, LtiSettings, ToolUrls
from quizapp.web.embed.routes import signer, to
from quizapp.web.lti import bp
from quizapp.web.lti.forms import ChooseSetForm, PlatformForm
from quizapp.web.security import (
    allow_form_posts_to,
    allow_framing_by,
    as_origin,
    lti_login_limit,
    same_origin_post,
    set_frame_cookie,
)

if TYPE_CHECKING:
    from quizapp.services.lti_launch import LaunchResult

NO_CSRF = {"csrf": False}


def settings() -> LtiSettings:
    """The LTI settings from the app's config."""
    return LtiSettings.from_config(current_app.config)


def tool_urls() -> ToolUrls:
    """quizapp's LTI endpoints as absolute URLs (behind ProxyFix, the public ones)."""
    return ToolUrls(
        login=url_for("lti.login", _external=True),
        launch=url_for("lti.launch", _external=True),
        jwks=url_for("lti.jwks", _external=True),
    )


def _sender_origins() -> list[str | None]:
    """Where this request came from (the LMS page framing us, for LTI's own pages)."""
    return [request.headers.get("Origin"), as_origin(request.referrer)]


@bp.errorhandler(LtiError)
@bp.errorhandler(EmbedError)
def lti_error(error: LtiError | EmbedError) -> ResponseReturnValue:
    """Every refusal is a page that says why, visible inside the LMS's frame."""
    from quizapp.services import lti_platforms as platforms

    try:
        db.session.commit()  # keep what the refusal used up (a state, a nonce, a key set)
    except SQLAlchemyError:
        db.session.rollback()
    allow_framing_by([*_sender_origins(), *platforms.all_platform_origins()])
    status = getattr(error, "status", 400)
    return render_template("embed/error.html", code=status, message=str(error)), status


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> ResponseReturnValue:
    if isinstance(error, CSRFError):
        return render_template("embed/error.html", code=400, message=error.description), 400
    allow_framing_by(_sender_origins())
    code = error.code or 500
    if request.path.endswith((".json", "/jwks", "/config")):
        return jsonify(error={"code": code, "message": error.description}), code
    return render_template("embed/error.html", code=code, message=error.description), code


# --- configuration endpoints ---------------------------------------------------------------


@bp.get("/jwks")
def jwks() -> ResponseReturnValue:
    """quizapp's public keys (active and recently retired), for platforms to verify us."""
    from quizapp.services import lti_keys

    key = lti_keys.signing_key(settings().key_secrets)
    if key in db.session.new:
        db.session.commit()
    response = jsonify(lti_keys.jwks(settings().retired_key_days))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/config")
def config() -> ResponseReturnValue:
    """The tool configuration to paste into an LMS (the dynamic registration payload)."""
    from quizapp.services import lti_platforms as platforms

    data = platforms.tool_configuration(tool_urls(), settings())
    data["quizapp"] = {
        "login_url": url_for("lti.login", _external=True),
        "launch_url": url_for("lti.launch", _external=True),
        "redirect_uris": [url_for("lti.launch", _external=True)],
        "deep_linking_url": url_for("lti.launch", _external=True),
        "jwks_url": url_for("lti.jwks", _external=True),
        "dynamic_registration_url": url_for("lti.register", _external=True),
    }
    return jsonify(data)


# --- the launch -----------------------------------------------------------------------------


@bp.route("/login", methods=("GET", "POST"))
@csrf.exempt
@limiter.limit(lti_login_limit)
def login() -> ResponseReturnValue:
    """OIDC third-party login initiation from the LMS."""
    from quizapp.services import lti_launch
    from quizapp.services import lti_platforms as platforms

    params = request.values.to_dict()
    platform = platforms.find_platform(params.get("iss") or "", params.get("client_id"))
    allow_framing_by(
        [*_sender_origins(), *(platforms.platform_origins(platform) if platform else [])]
    )
    start = lti_launch.begin_login(
        params, launch_url=tool_urls().launch, settings=settings(), secure=request.is_secure
    )
    db.session.commit()
    # The same login again, top-level: there is no LMS frame to store in there.
    skip = ("lti_storage_target", "lti1p3_new_window")
    new_window = {k: v for k, v in params.items() if k not in skip}
    response = make_response(
        render_template(
            "lti/login.html",
            start=start,
            framed_retry=bool(params.get("lti1p3_new_window")),
            new_window_url=url_for("lti.login", **new_window, lti1p3_new_window="1"),
            cookie_check_url=url_for("lti.cookie_check", state=start.state),
        )
    )
    for name, (value, max_age) in start.cookies.items():
        set_frame_cookie(response, name, value, max_age)
    return response


@bp.get("/cookie-check")
def cookie_check() -> ResponseReturnValue:
    """Did the state cookie come back? (Tells the login page whether cookies work here.)"""
    from quizapp.services.lti_launch import STATE_COOKIE_PREFIX

    state = request.args.get("state", "")
    ok = bool(state) and request.cookies.get(STATE_COOKIE_PREFIX + state) == state
    return jsonify(ok=ok)


@bp.post("/launch")
@csrf.exempt
def launch() -> ResponseReturnValue:
    """The LMS posts the id_token here (form_post from the LMS's page)."""
    from quizapp.services import lti_launch
    from quizapp.services import lti_platforms as platforms

    allow_framing_by(_sender_origins())
    outcome = lti_launch.receive_launch(
        request.form,
        request.cookies,
        settings=settings(),
        frame_origin=as_origin(request.headers.get("Origin")),
    )
    db.session.commit()
    if isinstance(outcome, lti_launch.PendingLaunch):
        allow_framing_by(platforms.all_platform_origins())
        return render_template("lti/verify.html", pending=outcome)
    return _land(outcome)


@bp.post("/launch/verify")
@csrf.exempt
def verify() -> ResponseReturnValue:
    """The launch page read state and nonce back from this browser's storage."""
    from quizapp.services import lti_launch

    if not same_origin_post():
        abort(403, "This launch confirmation was sent from another site.")
    result = lti_launch.verify_launch(request.form, settings=settings())
    db.session.commit()
    return _land(result)


def _land(result: LaunchResult) -> ResponseReturnValue:
    """Send a validated launch where it belongs, carrying a pass instead of a session."""
    from quizapp.services.lti_launch import DEEP_LINKING

    embed_pass = EmbedPass(
        set_id=result.set_id, user_id=result.user_id, link_id=result.link_id, sub=result.sub,
        instructor=result.instructor, launch_id=result.launch_id, origins=tuple(result.origins),
    )  # fmt: skip
    if result.message_type == DEEP_LINKING:
        return redirect(to("lti.deep_link", embed_pass))
    if result.instructor and result.link_id:
        return redirect(to("lti.link_page", embed_pass, link_id=result.link_id))
    if result.set_id is None:
        allow_framing_by(result.origins)
        return render_template("lti/not_ready.html"), 409
    return redirect(to("embed.set_home", embed_pass, set_id=result.set_id))


# --- instructors inside the LMS --------------------------------------------------------------


def _link_for_instructor(
    link_id: int, *, post: bool = False
) -> tuple[LtiResourceLink, EmbedPass | None]:
    """The link, if this instructor may manage it: by the pass of their launch, or as a
    signed-in instructor of its class (then with the usual CSRF token)."""
    link = db.get_or_404(LtiResourceLink, link_id)
    token = request.form.get("t") if post else request.args.get("t")
    if token:
        if post and not same_origin_post():
            abort(403, "This form was sent from another site.")
        embed_pass = signer().loads(token)
        if not embed_pass.instructor or embed_pass.link_id != link.id:
            abort(403, "Only the course's instructors can manage this link.")
        allow_framing_by(embed_pass.origins)
        return link, embed_pass
    course = db.session.get(Course, link.course_id) if link.course_id else None
    user = current_user
    if not user.is_authenticated or user.is_guest or not user.is_instructor:
        abort(403, "Only the course's instructors can manage this link.")
    if not (user.is_admin or (course is not None and classes.can_teach(user, course))):
        abort(403, "Only the course's instructors can manage this link.")
    if post:
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as exc:
            abort(400, f"The form expired or was forged: {exc}")
    return link, None


def _back_to_link(
    link: LtiResourceLink, embed_pass: EmbedPass | None, notice: str
) -> ResponseReturnValue:
    if embed_pass is None:
        return redirect(url_for("lti.link_page", link_id=link.id, notice=notice))
    return redirect(to("lti.link_page", embed_pass, link_id=link.id, notice=notice))


@bp.get("/links/<int:link_id>")
def link_page(link_id: int) -> ResponseReturnValue:
    """The instructor's view of a link: its set, its roster, its grade passback."""
    from quizapp.services import lti_ags

    link, embed_pass = _link_for_instructor(link_id)
    study_set = db.session.get(StudySet, link.set_id) if link.set_id else None
    preview = None
    if embed_pass is not None and study_set is not None:
        as_learner = replace(embed_pass, set_id=study_set.id)
        preview = to("embed.set_home", as_learner, set_id=study_set.id)
    return render_template(
        "lti/link.html",
        link=link,
        study_set=study_set,
        course=db.session.get(Course, link.course_id) if link.course_id else None,
        published=[s for s, _count in set_service.published_sets()],
        passback=lti_ags.passback_status(link),
        token=signer().dumps(embed_pass) if embed_pass else None,
        preview_url=preview,
        notice=request.args.get("notice"),
    )


@bp.post("/links/<int:link_id>/set")
@csrf.exempt
def choose_set(link_id: int) -> ResponseReturnValue:
    """Point the link at a study set."""
    link, embed_pass = _link_for_instructor(link_id, post=True)
    form = ChooseSetForm(meta=NO_CSRF)
    study_set = db.session.get(StudySet, form.set_id.data) if form.validate() else None
    if study_set is None or not study_set.is_published:
        abort(400, "Choose a published study set.")
    link.set_id = study_set.id
    db.session.commit()
    return _back_to_link(link, embed_pass, f"This link now opens “{study_set.title}”.")


@bp.post("/links/<int:link_id>/sync-roster")
@csrf.exempt
def sync_roster(link_id: int) -> ResponseReturnValue:
    """Names and Role Provisioning: bring the course's roster into its quizapp class."""
    from quizapp.services import lti_nrps

    link, embed_pass = _link_for_instructor(link_id, post=True)
    report = lti_nrps.sync_roster(link, settings())
    db.session.commit()
    return _back_to_link(
        link, embed_pass,
        f"Roster synced: {report.learners} learners and {report.instructors} instructors; "
        f"{report.removed} removed.",
    )  # fmt: skip


@bp.post("/links/<int:link_id>/retry-grades")
@csrf.exempt
def retry_grades(link_id: int) -> ResponseReturnValue:
    """Send failed and waiting scores again now."""
    from quizapp.services import lti_ags

    link, embed_pass = _link_for_instructor(link_id, post=True)
    count = lti_ags.retry_failed(link)
    db.session.commit()
    return _back_to_link(link, embed_pass, f"{count} score(s) will be sent again shortly.")


# --- deep linking -----------------------------------------------------------------------------


def _deep_link_pass(*, post: bool = False) -> EmbedPass:
    if post and not same_origin_post():
        abort(403, "This form was sent from another site.")
    token = request.form.get("t") if post else request.args.get("t")
    if not token:
        abort(400, "Open this page from your LMS.")
    embed_pass = signer().loads(token)
    if not embed_pass.instructor or not embed_pass.launch_id:
        abort(403, "Only instructors can add quizapp to a course.")
    allow_framing_by(embed_pass.origins)
    return embed_pass


@bp.get("/deep-link")
def deep_link() -> ResponseReturnValue:
    """The set picker shown when an instructor adds quizapp to a course."""
    from quizapp.services import lti_deep_link

    embed_pass = _deep_link_pass()
    dl_settings = lti_deep_link.settings_of(str(embed_pass.launch_id), settings())
    return render_template(
        "lti/deep_link.html",
        sets=set_service.published_sets(),
        token=signer().dumps(embed_pass),
        title=dl_settings.get("title"),
    )


@bp.post("/deep-link")
@csrf.exempt
def deep_link_respond() -> ResponseReturnValue:
    """Answer the LMS with a resource link (and line item) for the chosen set."""
    from quizapp.services import lti_deep_link

    embed_pass = _deep_link_pass(post=True)
    form = ChooseSetForm(meta=NO_CSRF)
    study_set = db.session.get(StudySet, form.set_id.data) if form.validate() else None
    if study_set is None or not study_set.is_published:
        abort(400, "Choose a published study set.")
    response = lti_deep_link.respond(
        str(embed_pass.launch_id), study_set, launch_url=tool_urls().launch, settings=settings()
    )
    db.session.commit()
    allow_form_posts_to([response.return_url])
    return render_template("lti/deep_link_return.html", response=response, study_set=study_set)


# --- registering platforms ------------------------------------------------------------------


@bp.get("/register")
def register() -> ResponseReturnValue:
    """LTI Dynamic Registration: the LMS opens this with its openid_configuration URL.

    It takes a single-use invite an admin made (the admin page or `lti-invite`), not the
    admin's session: a GET that changes things must not be triggerable by a link alone.
    """
    from quizapp.services import lti_launch
    from quizapp.services import lti_platforms as platforms

    config = current_app.config
    openid_configuration = request.args.get("openid_configuration", "")
    invite = request.args.get("invite", "")
    allow_framing_by([*_sender_origins(), as_origin(openid_configuration)])
    if not config.get("LTI_OPEN_REGISTRATION"):
        days = int(config.get("LTI_INVITE_DAYS", 7))
        if not platforms.check_invite(config["SECRET_KEY"], invite, days):
            abort(
                403,
                "Registering quizapp needs an invitation link from a quizapp "
                "administrator (LTI platforms page, or `flask --app quizapp lti-invite`).",
            )
        if lti_launch.was_used("invite", invite):
            abort(403, "This invitation link was already used. Ask for a new one.")
    if not openid_configuration:
        abort(400, "The LMS did not send its openid_configuration URL.")
    platform = platforms.register_dynamically(
        openid_configuration, request.args.get("registration_token"), tool_urls(), settings()
    )
    if invite and not lti_launch.consume_once(
        "invite", invite, utcnow() + timedelta(days=int(config.get("LTI_INVITE_DAYS", 7)))
    ):
        abort(403, "This invitation link was already used. Ask for a new one.")
    db.session.commit()
    return render_template("lti/registered.html", platform=platform)


@bp.route("/platforms", methods=("GET", "POST"))
def platforms_page() -> ResponseReturnValue:
    """Admins: the registered LMSs, a form to add one, and the URLs to give an LMS."""
    from quizapp.services import lti_platforms as platforms

    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    if not current_user.is_admin:
        abort(403, "Only administrators can register LMS platforms.")
    form = PlatformForm()
    if form.validate_on_submit():
        try:
            platform = platforms.register_platform(
                issuer=form.issuer.data.strip(), client_id=form.client_id.data.strip(),
                auth_login_url=form.auth_login_url.data.strip(),
                auth_token_url=form.auth_token_url.data.strip(),
                key_set_url=form.key_set_url.data.strip(),
                deployment_ids=[form.deployment_id.data.strip()] if form.deployment_id.data else [],
                name=(form.name.data or "").strip(), auth_audience=form.auth_audience.data or None,
            )  # fmt: skip
        except LtiError as exc:
            form.issuer.errors = [*form.issuer.errors, str(exc)]
        else:
            db.session.commit()
            return redirect(url_for("lti.platforms_page", registered=platform.id))
    invite = platforms.make_invite(current_app.config["SECRET_KEY"], f"user:{current_user.id}")
    return render_template(
        "lti/platforms.html",
        form=form,
        platforms=platforms.all_platforms(),
        describe=platforms.describe,
        urls=tool_urls(),
        registration_url=url_for("lti.register", invite=invite, _external=True),
        config_url=url_for("lti.config", _external=True),
        registered=request.args.get("registered", type=int),
    ), (400 if form.errors else 200)
