"""Where models registered before the model code moved to :mod:`codesign_prevalence_model` find their classes.

Their pickles name ``codesign_prevalence.models.pyfunc.SuspicionForestModel`` and ``ReasonSettings``; the
names resolve here to the current classes. New code imports from :mod:`codesign_prevalence_model.forest`.
"""

from codesign_prevalence_model.forest import ReasonSettings, SuspicionForestModel

__all__ = ["ReasonSettings", "SuspicionForestModel"]
