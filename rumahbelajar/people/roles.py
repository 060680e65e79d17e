"""The admin roles as permission groups. Later apps add their models to these lists."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

HR_ADMIN = "Pengelola SDM"
CONTENT_ADMIN = "Pengelola Konten"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    HR_ADMIN: [
        "people.view_user",
        "people.add_user",
        "people.change_user",
        "people.view_unit",
        "people.view_position",
        "people.add_employeeimport",
        "training.view_training",
        "training.change_training",
        "training.view_enrollment",
        "training.change_enrollment",
        "training.add_learningrecord",
        "training.view_learningrecord",
        "training.view_activityreport",
        "training.change_activityreport",
        "training.view_registrationrequest",
        "training.view_certificate",
        "training.change_certificate",
        "reports.view_siasncoursetype",
        "reports.change_siasncoursetype",
        "competency.view_assessmentresult",
        "competency.add_assessmentresult",
        "competency.view_competencymap",
        "competency.view_positionstandard",
        "competency.view_competency",
        "competency.view_targetposition",
        "competency.add_targetposition",
        "competency.change_targetposition",
        "competency.delete_targetposition",
    ],
    CONTENT_ADMIN: [
        "ebooks.view_ebook",
        "ebooks.add_ebook",
        "ebooks.change_ebook",
        "ebooks.delete_ebook",
        "ebooks.view_category",
        "ebooks.add_category",
        "ebooks.change_category",
        "ebooks.delete_category",
        "ebooks.view_ebookcompetency",
        "ebooks.add_ebookcompetency",
        "ebooks.change_ebookcompetency",
        "ebooks.delete_ebookcompetency",
        "ebooks.view_ebookimport",
        "ebooks.add_ebookimport",
        "training.add_training",
        "training.change_training",
        "competency.view_competency",
        "competency.add_competency",
        "competency.change_competency",
        "competency.view_competencylevel",
        "competency.add_competencylevel",
        "competency.change_competencylevel",
    ],
}


@transaction.atomic
def ensure_role_groups() -> dict[str, Group]:
    """Creates the role groups and gives them exactly their permissions. Side effects: none."""
    groups = {}
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            perms.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(perms)
        groups[name] = group
    return groups
