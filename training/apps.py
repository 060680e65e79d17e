from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Pelatihan")

    def ready(self) -> None:
        # Offers trainings to the "what to learn next" ranking of the competency app.
        from competency import recommendations
        from training.recommendations import enrolments_read, provide

        recommendations.register("training", provide, personal=enrolments_read())
