from django.contrib import admin

from rumahbelajar.people.models import Position, Unit, User

admin.site.register(User)
admin.site.register(Unit)
admin.site.register(Position)
