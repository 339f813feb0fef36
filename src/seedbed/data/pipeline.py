"""One call from a data source to a full analysis (and, for reports, the distributions)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from seedbed.data.analysis import AnalysisOptions, analyse
from seedbed.data.distributions import Histogram, histograms
from seedbed.data.engines import ProgressCallback
from seedbed.data.errors import DataError
from seedbed.data.results import AnalysisResult
from seedbed.data.schema import TrialSchema
from seedbed.data.sources import (
    MSG_ENGINE_FAILED,
    SourceSpec,
    _first_line,
    explain_file_problems,
    open_engine,
    source_error,
)


@dataclass(frozen=True)
class AnalysisRun:
    """The analysis of a source and, when asked for, its per-arm histograms."""

    result: AnalysisResult
    histograms: tuple[Histogram, ...]


def analyse_source(
    *, spec: SourceSpec, schema: TrialSchema, options: AnalysisOptions | None = None,
    with_histograms: bool = False, progress: ProgressCallback | None = None,
) -> AnalysisRun:
    """Open ``spec``, push the aggregation down, analyse; ``DataError`` names every problem.

    When a check on the cells fails for a file source, the file is validated row by row so
    that the error names rows and columns.
    """
    options = options or AnalysisOptions()
    with tempfile.TemporaryDirectory(prefix="seedbed-") as tmp:
        with open_engine(spec=spec, schema=schema, workdir=Path(tmp)) as engine:
            try:
                result = analyse(engine=engine, schema=schema, options=options,
                                 progress=progress)
                hist = (histograms(engine=engine, schema=schema,
                                   suppress_below=options.suppress_below)
                        if with_histograms else ())
            except DataError as exc:
                detailed = explain_file_problems(spec=spec, schema=schema)
                raise (detailed or exc) from None
            except Exception as exc:
                raise source_error(MSG_ENGINE_FAILED.format(
                    engine=engine.dialect.name, detail=_first_line(exc))) from None
    return AnalysisRun(result=result, histograms=hist)
