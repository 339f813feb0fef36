from django.apps import AppConfig


class TrialsConfig(AppConfig):
    name = "seedbed.trials"
    label = "trials"
    verbose_name = "Trials"

    def ready(self) -> None:
        # The portfolio sits below trials: trials tell it which records it may link to.
        from seedbed.core.access import audit_payload_reader_register
        from seedbed.portfolio.models import InnovationLink
        from seedbed.portfolio.registry import LinkableSource, linkable_source_register
        from seedbed.trials import selectors
        from seedbed.trials.access import interim_look_payload_readable

        linkable_source_register(LinkableSource(
            kind=InnovationLink.Kind.PROBE, group="Probes", records=selectors.probe_linkable_list,
            url_name="trials:registry_probe",
        ))
        linkable_source_register(LinkableSource(
            kind=InnovationLink.Kind.TRIAL, group="Trials", records=selectors.trial_linkable_list,
            url_name="trials:registry_trial",
        ))
        # Evaluations sit beside trials: they read connected tables through core's registry.
        from seedbed.core.registry import TableSource, table_source_register
        from seedbed.trials.services.connections import connected_table_read
        from seedbed.trials.uploads import connection_relations

        table_source_register(TableSource(offered=connection_relations, read=connected_table_read))
        # Core sits below trials: an interim look's payload is for the trial's safety lead.
        audit_payload_reader_register("trials.interim_look", interim_look_payload_readable)
