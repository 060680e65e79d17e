"""Default JP conversions for development activities other than portal trainings.

The agency sets these (docs/domain.md, "Learning hours"); they are starting values, edited in admin.
1 JP = 45 minutes, so an hour is 1.33 JP.
"""

from decimal import Decimal

from django.db import migrations

# (activity_type, kind, unit, jp_per_unit, max_jp_per_record, note)
DEFAULTS = [
    ("training", "klasikal", "hour", "1.33", None, "Pelatihan di luar portal: 1 jam = 60/45 JP."),
    ("seminar", "klasikal", "hour", "1.33", None, "Seminar, lokakarya, bimbingan teknis."),
    ("coaching", "nonklasikal", "session", "2.00", None, "Satu sesi coaching ± 90 menit."),
    ("mentoring", "nonklasikal", "session", "2.00", None, "Satu sesi mentoring ± 90 menit."),
    ("e_learning", "nonklasikal", "hour", "1.33", None, "E-learning di luar portal."),
    ("distance", "nonklasikal", "hour", "1.33", None, "Pelatihan jarak jauh."),
    ("internship", "nonklasikal", "day", "6.00", None, "Magang: satu hari kerja = 6 JP."),
    ("exchange", "nonklasikal", "day", "6.00", None, "Pertukaran pegawai: satu hari = 6 JP."),
    (
        "self_study",
        "nonklasikal",
        "hour",
        "1.33",
        "10.00",
        "Belajar mandiri dengan laporan proses dan sumber belajar; maks. 10 JP per catatan.",
    ),
    ("other", "nonklasikal", "hour", "1.33", None, "Kegiatan pengembangan lainnya."),
]


def load(apps, schema_editor):
    JpConversion = apps.get_model("training", "JpConversion")
    for activity_type, kind, unit, rate, cap, note in DEFAULTS:
        JpConversion.objects.get_or_create(
            activity_type=activity_type,
            defaults={
                "kind": kind,
                "unit": unit,
                "jp_per_unit": Decimal(rate),
                "max_jp_per_record": Decimal(cap) if cap else None,
                "note": note,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
