"""`seedbed text ...`: command-line access to the `seedbed.text` engine."""

from __future__ import annotations

from pathlib import Path

import typer

from seedbed.cli.output import emit_json, fail

app = typer.Typer(help="The text engine.", no_args_is_help=True)

BACKEND_HELP = "auto, minilm or tfidf (default: $SEEDBED_TEXT_BACKEND, else auto)."


@app.command("similar")
def similar_command(
    corpus: Path = typer.Argument(..., help="CSV file holding the existing texts."),
    text_col: str = typer.Option(..., "--text-col", help="Column with the text."),
    query: str = typer.Option(..., "--query", help="The new text to find near-duplicates of."),
    k: int = typer.Option(5, "--k", min=1, help="How many matches to return."),
    id_col: str | None = typer.Option(
        None, "--id-col", help="Column with ids (default: row number)."
    ),
    backend: str | None = typer.Option(None, "--backend", help=BACKEND_HELP),
    index: Path | None = typer.Option(
        None, "--index", help="Index folder (default: under $SEEDBED_TEXT_INDEX_HOME)."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Find the texts in CORPUS most similar to --query (near-duplicate search)."""
    from seedbed.text import backend_resolve, index_sync, similar
    from seedbed.text.corpus import corpus_read_csv, default_index_path

    try:
        resolved = backend_resolve(backend)
        items = corpus_read_csv(path=corpus, text_col=text_col, id_col=id_col)
        folder = index or default_index_path(corpus=corpus, text_col=text_col, backend=resolved)
        vector_index, report = index_sync(
            path=folder, texts=[i.text for i in items], ids=[i.id for i in items], backend=resolved
        )
        result = similar(index=vector_index, query=query, k=k)
    except (ValueError, RuntimeError) as error:
        fail(str(error))
    warnings = list(dict.fromkeys([*report.warnings, *result.warnings]))
    if json_output:
        emit_json(
            {
                "backend": result.backend,
                "query": query,
                "k": k,
                "matches": [{"id": m.id, "score": m.score, "text": m.text} for m in result.matches],
                "index": {
                    "path": str(folder),
                    "embedded": report.embedded,
                    "reused": report.reused,
                },
                "warnings": warnings,
            }
        )
        return
    for m in result.matches:
        typer.echo(f"{m.score:6.3f}  {m.id}  {m.text}")
    from seedbed.stats.warnings import warning_texts

    for text in warning_texts(warnings):
        typer.echo(f"warning: {text}", err=True)


@app.command("themes")
def themes_command(
    corpus: Path = typer.Argument(..., help="CSV file holding the texts."),
    text_col: str = typer.Option(..., "--text-col", help="Column with the text."),
    min_size: int = typer.Option(3, "--min-size", min=1, help="Fewest texts in a theme."),
    id_col: str | None = typer.Option(
        None, "--id-col", help="Column with ids (default: row number)."
    ),
    n_clusters: int | None = typer.Option(
        None, "--clusters", min=1, help="Groups to cut into (default: ceil(sqrt(n)))."
    ),
    backend: str | None = typer.Option(None, "--backend", help=BACKEND_HELP),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Group the texts in CORPUS into themes, each with label words and a representative."""
    from seedbed.text import themes
    from seedbed.text.corpus import corpus_read_csv

    try:
        items = corpus_read_csv(path=corpus, text_col=text_col, id_col=id_col)
        result = themes(
            texts=[i.text for i in items],
            ids=[i.id for i in items],
            min_size=min_size,
            backend=backend,
            n_clusters=n_clusters,
        )
    except (ValueError, RuntimeError) as error:
        fail(str(error))
    text_of = {i.id: i.text for i in items}
    if json_output:
        emit_json(
            {
                "backend": result.backend,
                "min_size": min_size,
                "n_clusters": result.n_clusters,
                "themes": [
                    {
                        "label_words": list(t.label_words),
                        "representative_id": t.representative_id,
                        "representative_text": text_of[t.representative_id],
                        "member_ids": list(t.member_ids),
                        "size": t.size,
                    }
                    for t in result.themes
                ],
                "unassigned_ids": list(result.unassigned_ids),
                "warnings": list(result.warnings),
            }
        )
        return
    for t in result.themes:
        typer.echo(f"{t.size:5d}  {', '.join(t.label_words)}")
        typer.echo(f"       e.g. {t.representative_id}: {text_of[t.representative_id]}")
    typer.echo(f"{len(result.unassigned_ids):5d}  (in no theme)")
    from seedbed.stats.warnings import warning_texts

    for text in warning_texts(result.warnings):
        typer.echo(f"warning: {text}", err=True)
