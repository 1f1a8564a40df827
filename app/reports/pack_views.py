"""Evidence packs: ask for one, watch it being built, download it, get the key that checks it."""

from __future__ import annotations

from flask import Response, flash, jsonify, redirect, render_template, send_file, url_for
from flask_login import current_user

from app.admin import settings
from app.auth.permissions import PACK_BUILD, permission_required
from app.common import signing
from app.common.models import RuleError
from app.common.saving import acting, show_problems
from app.extensions import db
from app.reports import packs
from app.reports.models import EvidencePack, PackStatus
from app.reports.pack_forms import PackForm
from app.reports.views import packs_bp as bp


@bp.get("")
@permission_required(PACK_BUILD)
def index():
    return render_template("reports/packs.html", packs=packs.packs_for_listing(),
                           retention_days=settings.get(settings.PACK_RETENTION_DAYS),
                           fingerprint=signing.fingerprint(), public_key=signing.public_key_pem().decode())


@bp.route("/new", methods=["GET", "POST"])
@permission_required(PACK_BUILD)
def new():
    form = PackForm()
    if form.validate_on_submit():
        scope = packs.Scope(controls=packs.parse_control_references(form.controls.data),
                            department_id=int(form.department.data) if form.department.data else None,
                            date_from=form.date_from.data, date_to=form.date_to.data)
        with acting(RuleError) as refused:
            pack = packs.request_pack(scope, actor=current_user)
        if refused:
            show_problems(form, refused.problems())
        else:
            packs.start_building(pack)
            db.session.refresh(pack)
            flash("Your evidence pack is ready." if pack.status == PackStatus.READY else
                  "Your evidence pack is being built. You may leave this page: the pack stays listed under "
                  "Evidence packs.", "success")
            return redirect(url_for("packs.detail", pack_id=pack.id))
    status = 422 if form.is_submitted() else 200
    return render_template("reports/packs_new.html", form=form), status


@bp.get("/<int:pack_id>")
@permission_required(PACK_BUILD)
def detail(pack_id: int):
    pack = db.get_or_404(EvidencePack, pack_id)
    return render_template("reports/packs_detail.html", pack=pack, problems=packs.problems_of(pack),
                           available=packs.file_of(pack) is not None, PackStatus=PackStatus)


@bp.get("/<int:pack_id>/progress")
@permission_required(PACK_BUILD)
def progress(pack_id: int):
    pack = db.get_or_404(EvidencePack, pack_id)
    return jsonify(status=pack.status, label=pack.status_enum.label, progress=pack.progress,
                   note=pack.progress_note, done=pack.status not in (PackStatus.QUEUED, PackStatus.BUILDING))


@bp.get("/<int:pack_id>/download")
@permission_required(PACK_BUILD)
def download(pack_id: int):
    pack = db.get_or_404(EvidencePack, pack_id)
    path = packs.file_of(pack)
    if path is None:
        flash("This pack cannot be downloaded: " + ("it was removed after its retention period. Ask for a new one."
              if pack.status == PackStatus.EXPIRED else f"it is {pack.status_enum.label.lower()}."), "warning")
        return redirect(url_for("packs.detail", pack_id=pack.id))
    packs.record_download(pack, current_user)
    db.session.commit()
    response = send_file(path, mimetype="application/zip", as_attachment=True, download_name=packs.download_name(pack),
                         conditional=False, etag=False)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/public-key.pem")
@permission_required(PACK_BUILD)
def public_key():
    response = Response(signing.public_key_pem(), mimetype="application/x-pem-file")
    response.headers["Content-Disposition"] = 'attachment; filename="khusela-pack-signing-key.pem"'
    return response
