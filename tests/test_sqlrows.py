"""rumahbelajar.sqlrows: instances built from hand-written SQL are the instances Django builds."""

import pytest
from django.db import connection
from django.db.models.signals import post_init

from ebooks.models import Ebook
from rumahbelajar.people.models import Unit, User
from rumahbelajar.sqlrows import _plain, build, clone, columns, fetch, take
from tests.ebooks.factories import EbookFactory

pytestmark = pytest.mark.django_db


def _row(model, pk, skip=()):
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f'SELECT {columns(model, "x", skip=skip)} FROM {table} x WHERE x."id" = %s'  # noqa: S608
    db, rows = fetch(model, sql, [pk])
    return db, rows[0]


def _state(instance):
    return {key: value for key, value in vars(instance).items() if key != "_state"}


@pytest.mark.parametrize("model_name", ["user", "unit", "ebook"])
def test_the_same_instance_as_djangos_from_db(employee, model_name):
    """A person (foreign keys), a unit and an e-book (file fields): the same attributes, the same
    state, the same related objects and files."""
    instance = {"user": employee, "unit": employee.unit, "ebook": EbookFactory()}[model_name]
    model = type(instance)
    db, row = _row(model, instance.pk)
    built, end = take(model, db, row, 0)
    names = [field.attname for field in model._meta.concrete_fields]
    django = model.from_db(db, names, row)
    assert end == len(names)
    assert type(built) is model
    assert _state(built) == _state(django)
    assert (
        (built._state.adding, built._state.db)
        == (False, db)
        == (
            django._state.adding,
            django._state.db,
        )
    )
    assert built == django
    if model is User:
        assert built.unit == employee.unit  # the foreign key's descriptor reads the id
    if model is Ebook:
        assert built.file.name == django.file.name  # a FieldFile, as Django's
        assert built.file.instance is built
        assert built.cover.name == django.cover.name


def test_the_models_pages_read_are_built_directly():
    """Not Django's from_db for them: their columns' descriptors only store what they are given
    (if Django adds one that does more, this fails and the model goes through from_db)."""
    assert all(_plain(model) for model in (User, Unit, Ebook))


def test_a_skipped_column_is_deferred_and_read_when_asked(employee):
    db, row = _row(User, employee.pk, skip=("password",))
    built, _ = take(User, db, row, 0, skip=("password",))
    assert "password" in built.get_deferred_fields()
    assert built.password == employee.password


def test_a_built_instance_saves_as_an_update(employee):
    db, row = _row(User, employee.pk)
    built, _ = take(User, db, row, 0)
    built.full_name = "Nama Baru"
    built.save(update_fields=["full_name"])
    assert User.objects.get(pk=employee.pk).full_name == "Nama Baru"
    assert User.objects.count() == User.objects.filter(pk__gte=0).count()


def test_a_left_join_that_found_nothing_is_none():
    assert take(Unit, "default", (None,) * len(Unit._meta.concrete_fields), 0)[0] is None


def test_a_model_someone_listens_to_goes_through_django(employee):
    """A post_init receiver must see the instance: then it is built by Django's from_db."""
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Unit)
    try:
        db, row = _row(Unit, employee.unit_id)
        names = [field.attname for field in Unit._meta.concrete_fields]
        built = build(Unit, db, names, row)
    finally:
        post_init.disconnect(receiver, sender=Unit)
    assert seen == [built]


def test_a_clone_is_a_copy_with_a_state_of_its_own(employee):
    original = User.objects.select_related("unit").get(pk=employee.pk)
    copied = clone(original)
    assert type(copied) is User
    assert _state(copied) == _state(original)
    assert copied.unit is original.unit  # the related objects, as copy.copy keeps them
    assert copied._state is not original._state
    assert (copied._state.adding, copied._state.db) == (False, original._state.db)
    copied.aimed_at = 3
    copied.full_name = "Lain"
    assert not hasattr(original, "aimed_at")
    assert original.full_name == employee.full_name
    copied._state.fields_cache.clear()
    assert original._state.fields_cache  # its own cache
