from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from rumahbelajar.people import services
from rumahbelajar.people.models import (
    EmployeeType,
    Position,
    PositionKind,
    PositionLevel,
    Unit,
    UnitKind,
    User,
)


def make_nip(
    seq: int, *, birth: dt.date = dt.date(1986, 9, 26), start: str = "201505", sex: int = 1
) -> str:
    """A valid PNS NIP; `seq` (1-999 per birth date) keeps them apart."""
    birth = birth + dt.timedelta(days=seq // 999)
    return f"{birth:%Y%m%d}{start}{sex}{seq % 999 + 1:03d}"


class UnitFactory(DjangoModelFactory):
    """Builds units through the service, so paths are right."""

    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"unit-{n}")
    name = factory.Sequence(lambda n: f"Unit {n}")
    kind = UnitKind.UNIT
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.create_unit(**kwargs)


class PositionFactory(DjangoModelFactory):
    class Meta:
        model = Position
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"jabatan-{n}")
    name = factory.Sequence(lambda n: f"Analis {n}")
    kind = PositionKind.FUNGSIONAL_KEAHLIAN
    level = PositionLevel.AHLI_PERTAMA


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"pegawai{n}@example.test")
    full_name = factory.Faker("name", locale="id_ID")
    employee_type = EmployeeType.PNS
    nip = factory.Sequence(lambda n: make_nip(n))
    unit = factory.SubFactory(UnitFactory)
    position = factory.SubFactory(PositionFactory)
    password = factory.django.Password("rahasia-uji-123")
