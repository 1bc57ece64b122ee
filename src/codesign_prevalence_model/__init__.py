"""The registered model's own code: what ``mlflow.pyfunc.load_model`` needs to score candidates.

Kept apart from :mod:`codesign_prevalence` so that it can travel with every logged model (MLflow
``code_paths``): a notebook comparing versions, Model Serving or ``mlflow.pyfunc.spark_udf`` in a fresh
environment loads and scores the model without the project installed. It therefore imports nothing from
``codesign_prevalence`` and needs only numpy, pandas, scikit-learn and mlflow (the model's pip requirements).

- :mod:`.features`: the suspicion transforms of the gold/candidates columns;
- :mod:`.reasons`: per-fact contributions and their phrases;
- :mod:`.forest`: the pyfunc (``SuspicionForestModel``), its signature and input frame.
"""

from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parent
