"""Every write about competencies, by topic:

    dictionary  the regulation's dictionary (loaded by migration) and technical competencies
    standards   position standards: the required level per competency
    results     recording an assessment result (API, admin form, import: one entry point)
    targets     an employee's target position (jabatan target)
    maps        the stored maps: one employee's recompute, set-based bulk SQL, the stale sweep,
                and what a changed standard or position sets off
    errors      what a broken rule raises

Callers use `from competency import services` and the names below.
"""

from competency.services.dictionary import (
    DICTIONARY_DIR,
    LEVELS,
    load_regulation_dictionary,
    regulation_dictionary,
    save_technical_competency,
    set_competency_levels,
)
from competency.services.errors import (
    CompetencyError,
    FixedCompetency,
    InvalidResult,
)
from competency.services.maps import (
    _SWEEP_LOCK_KEY,
    mark_maps_stale,
    recompute_all_maps,
    recompute_map,
    recompute_maps_bulk,
    recompute_position_maps,
    recompute_stale_maps,
    standards_changed,
)
from competency.services.results import (
    EXTERNAL_ID_MAX_LENGTH,
    RESULT_SOURCES,
    record_result,
    validate_result,
)
from competency.services.standards import (
    DEFAULT_LEVEL_BY_POSITION_LEVEL,
    apply_default_standard,
    remove_position_standard,
    set_position_standard,
)
from competency.services.targets import set_target_position

__all__ = [
    "DEFAULT_LEVEL_BY_POSITION_LEVEL",
    "DICTIONARY_DIR",
    "EXTERNAL_ID_MAX_LENGTH",
    "LEVELS",
    "RESULT_SOURCES",
    "_SWEEP_LOCK_KEY",
    "CompetencyError",
    "FixedCompetency",
    "InvalidResult",
    "apply_default_standard",
    "load_regulation_dictionary",
    "mark_maps_stale",
    "recompute_all_maps",
    "recompute_map",
    "recompute_maps_bulk",
    "recompute_position_maps",
    "recompute_stale_maps",
    "record_result",
    "regulation_dictionary",
    "remove_position_standard",
    "save_technical_competency",
    "set_competency_levels",
    "set_position_standard",
    "set_target_position",
    "standards_changed",
    "validate_result",
]
