"""The logged model: an IsolationForest over suspicion features, served as an MLflow pyfunc.

``predict`` takes the raw gold/candidates columns (:data:`~codesign_prevalence_model.features.INPUT_COLUMNS`)
and returns a DataFrame with ``anomaly_score`` (``-score_samples``: higher is more anomalous, in (0, 1]).
With the parameter ``with_reasons=True`` it adds ``reasons`` (a list of phrases per row; see
:mod:`codesign_prevalence_model.reasons`). The feature transforms, their constants, the fitted forest and the
training medians used for reasons are all held by the python model, so they travel together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.pyfunc import PythonModel
from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema, TensorSpec
from sklearn.ensemble import IsolationForest

from codesign_prevalence_model.features import (
    BOOLEAN_INPUTS,
    FEATURE_FUNCTIONS,
    NUMERIC_INPUTS,
    OPTIONAL_INPUTS,
    OPTIONAL_NUMERIC_INPUTS,
    OPTIONAL_STRING_INPUTS,
    RARITY_GATE,
    REQUIRED_INPUTS,
    STRING_INPUTS,
    FeatureParams,
    fold_parent,
    known_publisher_discounted,
    suspicion_features,
)
from codesign_prevalence_model.reasons import EVIDENCE, fact_contributions, render_reasons

SCORE_COLUMN = "anomaly_score"
PEER_GROUP_COLUMN = "path_class"
# Facts whose base rate depends on the kind of folder: a user's own download in Downloads or Temp runs on one host,
# from a signer the fleet may not know, names no vendor's folder, runs from a class of folder where its signer's
# other binaries do not, carries a generic name ("setup.exe", "install (1).exe") rather than its own and is
# launched by msiexec or cmd as a matter of course, often from a signer the fleet first met this week, and is new to
# the fleet by nature (hash_new); in AppData or ProgramData the same facts are rarer, but a per-user updater there
# runs as a scheduled task (task_parent) as a matter of course. With ``peer_weights`` each
# weighs its surprisal among the training rows of the binary's own folder class (:func:`peer_surprisals`); a
# certificate's status and a header or a name impersonating someone weigh the same in every folder.
PEER_FACTS: tuple[str, ...] = (
    "hash_rarity",
    "signer_obscurity",
    "path_surprise",
    "signer_not_in_path",
    "renamed",
    "lolbin_parent",
    "task_parent",
    "signer_recency",
    "hash_new",
)
# The parent whose rarity weighs lolbin_parent (``parent_factors``): the binary's most frequent parent process.
PARENT_COLUMN = "example_parent"
PARENT_FACT = "lolbin_parent"
REASONS_COLUMN = "reasons"
WITH_REASONS = "with_reasons"
# Graded facts' values are compared with their training levels at this many decimal places (model.graded_facts).
LEVEL_DECIMALS = 6


class LevelTable(NamedTuple):
    """A graded fact's training levels and their surprisals (:func:`level_table`)."""

    levels: np.ndarray
    surprisals: np.ndarray


class ParentFactors(NamedTuple):
    """``lolbin_parent``'s weight factor per parent (:func:`parent_factors`): folded parent name -> factor (1 for
    the training rows' most common parent, more for rarer ones), and the factor of a parent no training row had."""

    factors: dict[str, float]
    unseen: float


@dataclass(frozen=True)
class ReasonSettings:
    top_n: int = 3
    min_contribution: float = 0.01


class SuspicionForestModel(PythonModel):
    """Preprocessing (suspicion features) + a fitted IsolationForest + reason rendering.

    The score is ``forest_weight * forest + (1 - forest_weight) * additive``: ``forest`` is the
    IsolationForest's anomaly score (``-score_samples``, in (0, 1]); ``additive`` is the mean of the
    suspicion features, in [0, 1]: all of them with ``additive_includes_gate`` (the configured default,
    ``model.additive_includes_rarity``), else every feature but ``hash_rarity``, the gate of the others (the
    forest reads them all either way). Counted again in the sum, the rarity rewards one host over three
    *within* the rare tail, where benign oddities sit on one host and a campaign reaches a few; leaving it out
    won on the tuning fleets and lost on one of two generators' fresh ones (benchmarks/README.md, "Session
    18"). The configured ``forest_weight`` is 0.1 with the surprisal weights below (0.8 from session 8, chosen
    on the quality benchmark's fleets 301-308 and 401-403; 0.5 from session 10, on the simulator's fleets
    901-913 and the independent generator's 31, 51-62; 0.1 since session 18, when the weighted sum made the
    forest's larger share a loss); this constructor's defaults, 1 and the gate included, are the forest alone
    and the plain mean, as models logged before either existed score. Reasons are read off this blended score, with
    the additive share that keeps them from saturating: see
    :func:`~codesign_prevalence_model.reasons.fact_contributions`.

    ``fact_weights`` (``model.additive_weights: surprisal``) turns the mean into a weighted one: each fact
    weighs its surprisal in the training population, ``-log((rows with the fact + 1) / (rows + 2))``
    (:func:`fact_surprisals`). A fact that one benign binary in a thousand carries (a renamed file, a revoked
    certificate under a name the fleet knows) then counts several times as much as one that a third of them
    carry (a folder where the signer's other binaries do not run, an obscure signer), as a density estimate
    would weigh them; the weights are fitted with the forest, from the same rows, without labels (the
    configured default since session 18). ``None`` (the constructor's default, and models logged before the
    option) weighs every fact alike.

    ``peer_weights`` (``model.peer_prior_rows``; folder class -> fact -> weight) weighs the
    :data:`PEER_FACTS` of a row by their surprisal among the training rows of its own ``path_class``
    (:func:`peer_surprisals`): an installer in Downloads saved as "setup.exe", where many are, counts its renaming
    less than a renamed binary in AppData does. A class the training rows did not hold, or a null one, keeps the
    fleet-wide ``fact_weights``; the sum's normaliser is the fleet-wide weights' total either way. ``None`` (models
    logged before the option) weighs every row's facts fleet-wide.

    ``level_weights`` (``model.graded_facts``; fact -> :class:`LevelTable`) weighs a graded fact by the surprisal
    of the level the row reaches among the training rows (:func:`level_table`), in place of its presence's (and its
    folder class's): ``signer_spread`` is present at a trace in many benign signers' binaries (a product's
    siblings on a few more hosts than its widest binary), at full strength in few (a certificate whose hashes each
    reach hosts of their own). ``None`` (the configured default, and models logged before the option) weighs
    presence alone.

    ``parent_factors`` (``model.parent_surprisal``; :class:`ParentFactors`) multiplies ``lolbin_parent``'s weight
    in a row by how rare its parent is among the training rows a LOLBin or Office app started: 1 for the most
    common such parent (an installer's msiexec or cmd), up to the factor of a parent no training row had (an
    implant's rundll32, mshta or winword) (:func:`parent_factors`). ``None`` (models logged before the option)
    weighs every parent alike.
    """

    def __init__(
        self,
        forest: IsolationForest,
        feature_names: Sequence[str],
        feature_params: FeatureParams,
        baseline: dict[str, float],
        reasons: ReasonSettings,
        forest_weight: float = 1.0,
        additive_includes_gate: bool = True,
        fact_weights: dict[str, float] | None = None,
        peer_weights: dict[str, dict[str, float]] | None = None,
        level_weights: dict[str, LevelTable] | None = None,
        parent_factors: ParentFactors | None = None,
    ) -> None:
        self.forest = forest
        self.feature_names = tuple(feature_names)
        self.feature_params = feature_params
        self.baseline = dict(baseline)
        self.reasons = reasons
        self.forest_weight = float(forest_weight)
        self.additive_includes_gate = bool(additive_includes_gate)
        self.fact_weights = dict(fact_weights) if fact_weights is not None else None
        self.peer_weights = {group: dict(weights) for group, weights in (peer_weights or {}).items()} or None
        self.level_weights = dict(level_weights) if level_weights else None
        self.parent_factors = parent_factors

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Models pickled before the additive part existed score with the forest alone, as they did; those
        pickled before the gate could be left out of it, with the plain mean; those pickled before the weights per
        folder class, with the fleet-wide weights; those pickled before the graded facts, with presence weights;
        those pickled before the parents' factors, with every parent alike."""
        state.setdefault("forest_weight", 1.0)
        state.setdefault("additive_includes_gate", True)
        state.setdefault("fact_weights", None)
        state.setdefault("peer_weights", None)
        state.setdefault("level_weights", None)
        state.setdefault("parent_factors", None)
        self.__dict__.update(state)

    def features(self, candidates: pd.DataFrame) -> pd.DataFrame:
        """The facts scored: :func:`suspicion_features` with every discount of ``feature_params`` (the facts as
        observed, then the known publishers' discount)."""
        return known_publisher_discounted(self.observed_features(candidates), candidates, self.feature_params)

    def observed_features(self, candidates: pd.DataFrame) -> pd.DataFrame:
        """The facts as the fleet shows them, which the forest and the weights learn from: :meth:`features`
        without the known publishers' discount. A trusted Microsoft binary in AppData is one of the fleet's signed
        binaries in AppData, and how common those are is what a weight measures; that Microsoft's trusted
        signature explains the fact away is knowledge about that binary, applied when it is scored."""
        params = replace(self.feature_params, known_publisher_discount=0.0)
        return suspicion_features(candidates, self.feature_names, params)

    def evidence(self, candidates: pd.DataFrame) -> pd.DataFrame:
        """The :data:`~codesign_prevalence_model.reasons.EVIDENCE` facts this model does not weigh, ungated."""
        names = [name for name in EVIDENCE if name not in self.feature_names]
        return pd.DataFrame(
            {name: FEATURE_FUNCTIONS[name](candidates, self.feature_params) for name in names}, index=candidates.index
        )

    def forest_matrix_scores(self, matrix: np.ndarray) -> np.ndarray:
        """The IsolationForest's anomaly scores of a feature matrix, in (0, 1]: higher is more anomalous."""
        if len(matrix) == 0:
            return np.zeros(0, dtype="float64")
        return -np.asarray(self.forest.score_samples(matrix), dtype="float64")

    def peer_groups(self, candidates: pd.DataFrame) -> np.ndarray | None:
        """The rows' folder classes where the model weighs facts per class (``peer_weights``), else None."""
        if self.peer_weights is None or PEER_GROUP_COLUMN not in candidates.columns:
            return None
        return candidates[PEER_GROUP_COLUMN].to_numpy(dtype=object)

    def parent_weight_factors(self, candidates: pd.DataFrame) -> np.ndarray | None:
        """Per row, the factor of its parent for ``lolbin_parent``'s weight (``parent_factors``), else None."""
        if self.parent_factors is None or PARENT_COLUMN not in candidates.columns:
            return None
        known, unseen = self.parent_factors
        folded = fold_parents(candidates[PARENT_COLUMN])
        return np.array([1.0 if parent is None else known.get(parent, unseen) for parent in folded], dtype="float64")

    def additive_matrix_scores(
        self, matrix: np.ndarray, groups: np.ndarray | None = None, parents: np.ndarray | None = None
    ) -> np.ndarray:
        """The additive half of the score: the mean of the matrix's columns, weighted by ``fact_weights`` where
        the model has them (and, given the rows' folder classes, by ``peer_weights`` for :data:`PEER_FACTS`; given
        the rows' parents' factors, ``lolbin_parent``'s by its row's), the rarity gate's left out unless
        ``additive_includes_gate`` (all of them when the gate is the only feature)."""
        columns = [
            position
            for position, name in enumerate(self.feature_names)
            if self.additive_includes_gate or name != RARITY_GATE
        ] or list(range(len(self.feature_names)))
        weights = np.array(
            [1.0 if self.fact_weights is None else self.fact_weights.get(self.feature_names[i], 1.0) for i in columns]
        )
        total = weights.sum()
        if total <= 0.0:
            return np.zeros(len(matrix), dtype="float64")
        per_class = groups is not None and self.peer_weights is not None and self.fact_weights is not None
        by_parent = parents is not None and self.fact_weights is not None and PARENT_FACT in self.feature_names
        if not per_class and not self.level_weights and not by_parent:
            return np.asarray(matrix[:, columns] @ weights / total, dtype="float64")
        names = [self.feature_names[i] for i in columns]
        row_weights = np.tile(weights, (len(matrix), 1))
        if per_class and groups is not None:
            for group, peers in (self.peer_weights or {}).items():
                rows = groups == group
                if rows.any():
                    row_weights[rows] = [peers.get(name, weight) for name, weight in zip(names, weights, strict=True)]
        for position, name in enumerate(names):
            table = (self.level_weights or {}).get(name)
            if table is not None:
                row_weights[:, position] = level_surprisals(table, matrix[:, columns[position]])
        if by_parent and parents is not None:
            row_weights[:, names.index(PARENT_FACT)] *= parents
        return np.asarray((matrix[:, columns] * row_weights).sum(axis=1) / total, dtype="float64")

    def score_matrix(
        self, matrix: np.ndarray, groups: np.ndarray | None = None, parents: np.ndarray | None = None
    ) -> np.ndarray:
        """Anomaly scores of a feature matrix (``groups``: its rows' folder classes, for ``peer_weights``;
        ``parents``: its rows' parents' factors, for ``parent_factors``): higher is more anomalous (the class
        docstring)."""
        if len(matrix) == 0:
            return np.zeros(0, dtype="float64")
        additive = self.additive_matrix_scores(matrix, groups, parents)
        if self.forest_weight <= 0.0:
            return np.asarray(additive, dtype="float64")
        forest = self.forest_matrix_scores(matrix)
        return self.forest_weight * forest + (1.0 - self.forest_weight) * additive

    def score(self, candidates: pd.DataFrame) -> pd.Series:
        features = self.features(candidates)
        matrix = features.to_numpy(dtype="float64")
        scores = self.score_matrix(matrix, self.peer_groups(candidates), self.parent_weight_factors(candidates))
        return pd.Series(scores, index=candidates.index)

    def explain(self, candidates: pd.DataFrame) -> pd.DataFrame:
        """``anomaly_score`` and ``reasons`` (phrases) per row."""
        features = self.features(candidates)
        if features.empty:
            return pd.DataFrame({SCORE_COLUMN: pd.Series(dtype="float64"), REASONS_COLUMN: pd.Series(dtype=object)})
        groups, parents = self.peer_groups(candidates), self.parent_weight_factors(candidates)
        scores = self.score_matrix(features.to_numpy(dtype="float64"), groups, parents)
        contributions = fact_contributions(
            lambda matrix: self.score_matrix(matrix, groups, parents), features, self.baseline
        )
        phrases = render_reasons(
            candidates,
            features,
            contributions,
            self.baseline,
            self.reasons.top_n,
            self.reasons.min_contribution,
            self.evidence(candidates),
        )
        return pd.DataFrame({SCORE_COLUMN: scores, REASONS_COLUMN: phrases}, index=candidates.index)

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        candidates = pd.DataFrame(model_input).reset_index(drop=True)
        if params and params.get(WITH_REASONS):
            return self.explain(candidates)
        return pd.DataFrame({SCORE_COLUMN: self.score(candidates)})


def fact_surprisals(features: pd.DataFrame, power: float = 1.0) -> dict[str, float]:
    """Each feature's surprisal in ``features`` (the training rows): ``-log((rows where it is above 0 + 1) /
    (rows + 2))``, the Laplace-smoothed self-information of the fact being present (no rows: ``log 2`` each),
    to ``power`` (1: the surprisal itself; below 1 the weights draw closer together)."""
    rates = _present_rates(features)
    return {name: float(_surprisal(rates[name], power)) for name in features.columns}


def level_table(values: pd.Series | np.ndarray, power: float = 1.0) -> LevelTable:
    """A graded fact's levels in the training rows and the surprisal of reaching each (``model.graded_facts``).

    ``levels``: the distinct values above 0, ascending (rounded to :data:`LEVEL_DECIMALS` places); ``surprisals``:
    for each level, ``-log((rows at or above it + 1) / (rows + 2))`` to ``power`` (the Laplace-smoothed rate of
    :func:`fact_surprisals`, read at the level rather than at presence), and one more entry, for a value above every
    level, with no training row at or above it (``-log(1 / (rows + 2))``). At its lowest level a fact weighs what its
    presence does; a level that few training rows reach, more.
    """
    column = np.round(np.asarray(values, dtype="float64"), LEVEL_DECIMALS)
    levels = np.unique(column[column > 0.0])
    at_or_above = len(column) - np.searchsorted(np.sort(column), levels, side="left")
    counts = np.append(at_or_above, 0).astype("float64")
    return LevelTable(levels, _surprisal(_laplace_rate(counts, len(column)), power))


def level_surprisals(table: LevelTable, values: np.ndarray) -> np.ndarray:
    """Per value, the surprisal of the lowest level of ``table`` at or above it (a value between two training
    levels weighs the upper one's: no more training rows reach it), that of no training row above the highest."""
    position = np.searchsorted(table.levels, np.round(np.asarray(values, dtype="float64"), LEVEL_DECIMALS))
    return np.asarray(table.surprisals[position], dtype="float64")


def fold_parents(parents: pd.Series | Sequence[object]) -> list[str | None]:
    """Parent process names as ``parent_factors`` compares them (:func:`fold_parent`)."""
    return [fold_parent(parent) for parent in parents]


def parent_factors(features: pd.DataFrame, parents: pd.Series | Sequence[object], power: float = 1.0) -> ParentFactors:
    """``lolbin_parent``'s weight factor per parent, from the training rows (``parents``: their most frequent
    parent, by position).

    Among the rows that carry the fact, the parents are counted; a parent's factor is the surprisal of carrying the
    fact through a parent at most as common as it, ``-log((rows with the fact through such a parent + 1) / (rows +
    2))``, over that of carrying it at all, ``-log((rows with the fact + 1) / (rows + 2))`` (each to ``power``): the
    most common parent weighs what the fact's presence does (factor 1), a rarer one more, one that no training row
    had (an implant launched by rundll32 where installers come from msiexec) as a fact no training row carried. The
    same tail a graded fact's level reads (:func:`level_table`), over parents ordered by how common they are."""
    rows = len(features)
    if PARENT_FACT not in features.columns or rows == 0:
        return ParentFactors({}, 1.0)
    present = features[PARENT_FACT].to_numpy(dtype="float64") > 0.0
    named = pd.Series(fold_parents(parents), dtype=object)[present]
    counts = named.value_counts(dropna=False)  # rows with the fact but no parent named count as one more parent
    presence = _surprisal(_laplace_rate(int(present.sum()), rows), power)
    factors = {
        str(parent): float(_surprisal(_laplace_rate(int(counts[counts <= count].sum()), rows), power) / presence)
        for parent, count in counts.items()
        if isinstance(parent, str)
    }
    return ParentFactors(factors, float(_surprisal(_laplace_rate(0, rows), power) / presence))


def _present_rates(features: pd.DataFrame) -> pd.Series:
    """Each feature's Laplace-smoothed rate of presence (above 0): ``(rows with it + 1) / (rows + 2)``."""
    return _laplace_rate(features.gt(0.0).sum(axis=0), len(features))


def _laplace_rate(counts: Any, rows: int) -> Any:
    """``(counts + 1) / (rows + 2)``: the Laplace-smoothed rate of ``counts`` among ``rows`` (never 0 nor 1)."""
    return (counts + 1.0) / (rows + 2.0)


def _surprisal(rate: Any, power: float) -> Any:
    """``-log(rate)`` to ``power``: the weight of a fact (present, at a level, in a folder class) of that rate."""
    return (-np.log(rate)) ** power


def peer_surprisals(
    features: pd.DataFrame, groups: Sequence[object] | np.ndarray, power: float = 1.0, prior_rows: float = 20.0
) -> dict[str, dict[str, float]]:
    """Per folder class of ``groups`` (the training rows' ``path_class``, by position), each :data:`PEER_FACTS`
    feature's surprisal among that class's rows, to ``power``: ``-log((rows of the class with the fact +
    prior_rows * p) / (rows of the class + prior_rows))``, where ``p`` is the fact's Laplace-smoothed rate over all
    rows (as :func:`fact_surprisals`): a class of a few rows keeps nearly the fleet-wide weight, a large one its own
    rate. Null classes count in ``p`` only."""
    names = [name for name in PEER_FACTS if name in features.columns]
    present = features.loc[:, names].gt(0.0)
    fleet = _present_rates(present)
    labels = pd.Series(np.asarray(groups, dtype=object), index=features.index)
    weights: dict[str, dict[str, float]] = {}
    for group, rows in present.groupby(labels, dropna=True):
        rate = (rows.sum(axis=0) + prior_rows * fleet) / (len(rows) + prior_rows)
        weights[str(group)] = {name: float(_surprisal(rate[name], power)) for name in names}
    return weights


def model_signature() -> ModelSignature:
    """Inputs: the raw candidate columns (numbers as double); output: the score; param: ``with_reasons``."""
    columns: list[ColSpec | TensorSpec] = [
        *[ColSpec("double", name) for name in NUMERIC_INPUTS],
        *[ColSpec("boolean", name) for name in BOOLEAN_INPUTS],
        *[ColSpec("string", name, required=False) for name in STRING_INPUTS],
        *[ColSpec("double", name, required=False) for name in OPTIONAL_NUMERIC_INPUTS],
        *[ColSpec("string", name, required=False) for name in OPTIONAL_STRING_INPUTS],
    ]
    score: list[ColSpec | TensorSpec] = [ColSpec("double", SCORE_COLUMN)]
    params = ParamSchema([ParamSpec(WITH_REASONS, "boolean", False)])
    return ModelSignature(inputs=Schema(columns), outputs=Schema(score), params=params)


def model_input_frame(candidates: pd.DataFrame) -> pd.DataFrame:
    """The candidate columns in the signature's types (numbers as float, flags as bool): an input example.

    The optional inputs (:data:`~codesign_prevalence_model.features.OPTIONAL_INPUTS`) absent from
    ``candidates`` (a frame or table written before they existed) are null; optional numbers stay NaN where
    null.
    """
    frame = candidates.loc[:, list(REQUIRED_INPUTS)].copy()
    for column in OPTIONAL_INPUTS:
        frame[column] = candidates[column] if column in candidates.columns else None
    for column in NUMERIC_INPUTS:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64").fillna(0.0)
    for column in BOOLEAN_INPUTS:
        frame[column] = frame[column].fillna(False).astype(bool)
    for column in OPTIONAL_NUMERIC_INPUTS:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    for column in (*STRING_INPUTS, *OPTIONAL_STRING_INPUTS):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame.reset_index(drop=True)
