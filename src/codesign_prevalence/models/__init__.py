"""Training, the MLflow pyfunc model, scoring, comparison and evaluation."""
