from functools import partial

from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "seedbed.portfolio"
    label = "portfolio"
    verbose_name = "Portfolio"

    def ready(self) -> None:
        # Voices sits below the portfolio, which reads its needs and ideas through its
        # selectors; the apps above (funding, trials) register their own records.
        from seedbed.participation.models import Kind
        from seedbed.participation.selectors import contribution_linkable_list
        from seedbed.portfolio.models import InnovationLink
        from seedbed.portfolio.registry import LinkableSource, linkable_source_register

        for kind, group in ((InnovationLink.Kind.NEED, "Needs"), (InnovationLink.Kind.IDEA, "Ideas")):
            linkable_source_register(LinkableSource(
                kind=kind, group=group, records=partial(contribution_linkable_list, kind=Kind(kind.value)),
                url_name="participation:detail",
            ))
