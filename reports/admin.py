from django.contrib import admin

from reports.models import SiasnCourseType


@admin.register(SiasnCourseType)
class SiasnCourseTypeAdmin(admin.ModelAdmin):
    """The agency's mapping of activity types onto SIASN's jenisDiklatId and jenisKursus."""

    list_display = ("activity_type", "jenis_diklat_id", "jenis_kursus")
    list_editable = ("jenis_diklat_id", "jenis_kursus")
