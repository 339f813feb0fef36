from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "seedbed.funding"
    label = "funding"
    verbose_name = "Funding"

    def ready(self) -> None:
        # The portfolio sits below funding: funding tells it what it may link to and where the
        # ring-fence comes from, so the portfolio never imports funding.
        from seedbed.funding import selectors
        from seedbed.portfolio.models import InnovationLink
        from seedbed.portfolio.registry import (
            LinkableSource,
            linkable_source_register,
            ring_fence_register,
        )

        linkable_source_register(LinkableSource(
            kind=InnovationLink.Kind.AWARD, group="Awards", records=selectors.award_linkable_list,
            url_name="funding:award_detail", label=selectors.award_link_label,
        ))
        ring_fence_register(selectors.ring_fence_total)
