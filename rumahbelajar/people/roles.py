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
    ],
    CONTENT_ADMIN: [],
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
