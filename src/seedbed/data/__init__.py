"""Trial data: ingestion with validation and push-down aggregation of sufficient statistics.

Public entry points: ``ingest`` and ``validate_file`` (files in), ``analyse_source`` (a file or
database to a full analysis), ``TrialSchema`` (column roles), ``DataError`` (every problem).
"""

from seedbed.data.analysis import AnalysisOptions, analyse, analyse_cells
from seedbed.data.errors import DataError, Problem, ValidationReport
from seedbed.data.ingest import Dataset, ingest, validate_file
from seedbed.data.pipeline import AnalysisRun, analyse_source
from seedbed.data.schema import TrialSchema
from seedbed.data.sources import ENGINES, SourceSpec

__all__ = [
    "ENGINES",
    "AnalysisOptions",
    "AnalysisRun",
    "DataError",
    "Dataset",
    "Problem",
    "SourceSpec",
    "TrialSchema",
    "ValidationReport",
    "analyse",
    "analyse_cells",
    "analyse_source",
    "ingest",
    "validate_file",
]
