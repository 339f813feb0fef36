from django.apps import AppConfig


class TrialsConfig(AppConfig):
    name = "seedbed.trials"
    label = "trials"
    verbose_name = "Trials"

    def ready(self) -> None:
        # The portfolio sits below trials: trials tell it which records it may link to.
        from seedbed.portfolio.models import InnovationLink
        from seedbed.portfolio.registry import LinkableSource, linkable_source_register
        from seedbed.trials import selectors

        linkable_source_register(LinkableSource(
            kind=InnovationLink.Kind.PROBE, group="Probes", records=selectors.probe_linkable_list,
            url_name="trials:registry_probe",
        ))
        linkable_source_register(LinkableSource(
            kind=InnovationLink.Kind.TRIAL, group="Trials", records=selectors.trial_linkable_list,
            url_name="trials:registry_trial",
        ))
