"""``geoops heat-sources``: list the learned heat-source candidates, accept or reject them."""

from __future__ import annotations

from typing import Annotated

import typer

from geoops.commands.common import actor_name, emit, ready_engine, reports_errors
from geoops.settings import Settings
from geoops.store.engine import transaction

heat_sources_app = typer.Typer(help="Learned heat-source candidates.", no_args_is_help=True)

NoteOption = Annotated[str | None, typer.Option(help="Why; kept with the decision")]


@heat_sources_app.command("list")
@reports_errors
def heat_sources_list(
    status: Annotated[str, typer.Option(help="candidate, accepted or rejected")] = "candidate",
) -> None:
    """Candidates of STATUS as a GeoJSON FeatureCollection on stdout, newest first."""
    from geoops.store.heat_source_candidates import list_candidates

    with transaction(ready_engine(Settings())) as session:
        emit(list_candidates(status, session=session, limit=1_000_000))


@heat_sources_app.command("accept")
@reports_errors
def heat_sources_accept(
    candidate_id: Annotated[int, typer.Argument(help="Candidate id")], note: NoteOption = None
) -> None:
    """Add the candidate to the heat-source layer and dismiss its incident."""
    from geoops.store.heat_source_candidates import accept_candidate

    settings = Settings()
    with transaction(ready_engine(settings)) as session:
        decided = accept_candidate(
            candidate_id,
            layer=settings.heat_source_layer,
            actor_id=None,
            actor_name=actor_name(),
            note=note,
            session=session,
        )
    emit(decided)


@heat_sources_app.command("reject")
@reports_errors
def heat_sources_reject(
    candidate_id: Annotated[int, typer.Argument(help="Candidate id")], note: NoteOption = None
) -> None:
    """Reject the candidate: its spot is not proposed again."""
    from geoops.store.heat_source_candidates import reject_candidate

    with transaction(ready_engine(Settings())) as session:
        emit(
            reject_candidate(candidate_id, actor_id=None, actor_name=actor_name(), note=note, session=session)
        )
