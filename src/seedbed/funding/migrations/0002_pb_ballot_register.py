"""Paper ballots: a register of issued numbers, ballot officers per round, and one voter register
across channels (ballots no longer name their voter)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _ballots_to_register(apps, schema_editor):
    """Existing ballots: paper ones (free-text reference) are marked as paper; each online
    ballot's voter moves to the round's marked register, so the ballot no longer names them."""
    PbBallot = apps.get_model("funding", "PbBallot")
    PbVoterMark = apps.get_model("funding", "PbVoterMark")
    PbBallot.objects.exclude(paper_reference="").update(channel="paper")
    for ballot in PbBallot.objects.filter(voter__isnull=False).order_by("pk"):
        PbVoterMark.objects.create(round_id=ballot.round_id, voter_id=ballot.voter_id, channel="online",
                                   marked_on=ballot.created_at.date())


class Migration(migrations.Migration):

    dependencies = [
        ('funding', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PbBallotNumber',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=10)),
                ('batch', models.PositiveIntegerField()),
                ('issued_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='PbElector',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.CharField(help_text='Canonical form (see funding.ballot_numbers).', max_length=40, unique=True)),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='PbOfficer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('assigned_at', models.DateTimeField(auto_now_add=True)),
                ('withdrawn_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='PbVoterMark',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.CharField(blank=True, max_length=40)),
                ('channel', models.CharField(choices=[('online', 'Online'), ('paper', 'Paper')], max_length=6)),
                ('marked_on', models.DateField()),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.AddField(
            model_name='pbballot',
            name='channel',
            field=models.CharField(choices=[('online', 'Online'), ('paper', 'Paper')], default='online', max_length=6),
        ),
        migrations.AddField(
            model_name='pbballotnumber',
            name='issued_by',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='pbballotnumber',
            name='round',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='ballot_numbers', to='funding.pbround'),
        ),
        migrations.AddField(
            model_name='pbballot',
            name='paper_number',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='ballot', to='funding.pbballotnumber'),
        ),
        migrations.AddField(
            model_name='pbelector',
            name='recorded_by',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='pbelector',
            name='user',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='pb_elector', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='pbofficer',
            name='assigned_by',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='pbofficer',
            name='round',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='officers', to='funding.pbround'),
        ),
        migrations.AddField(
            model_name='pbofficer',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='pb_officer_roles', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='pbofficer',
            name='withdrawn_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='pbvotermark',
            name='round',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='voter_marks', to='funding.pbround'),
        ),
        migrations.AddField(
            model_name='pbvotermark',
            name='voter',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='pb_marks', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddConstraint(
            model_name='pbballotnumber',
            constraint=models.UniqueConstraint(fields=('round', 'number'), name='pb_ballot_number_once'),
        ),
        migrations.AddConstraint(
            model_name='pbofficer',
            constraint=models.UniqueConstraint(condition=models.Q(('withdrawn_at__isnull', True)), fields=('round', 'user'), name='pb_officer_once_per_round'),
        ),
        migrations.AddConstraint(
            model_name='pbvotermark',
            constraint=models.UniqueConstraint(condition=models.Q(('voter__isnull', False)), fields=('round', 'voter'), name='pb_mark_one_per_voter'),
        ),
        migrations.AddConstraint(
            model_name='pbvotermark',
            constraint=models.UniqueConstraint(condition=models.Q(('reference', ''), _negated=True), fields=('round', 'reference'), name='pb_mark_one_per_reference'),
        ),
        migrations.AddConstraint(
            model_name='pbvotermark',
            constraint=models.CheckConstraint(condition=models.Q(('voter__isnull', False), models.Q(('reference', ''), _negated=True), _connector='OR'), name='pb_mark_names_someone'),
        ),
        migrations.RunPython(_ballots_to_register, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name='pbballot',
            name='pb_one_ballot_per_voter',
        ),
        migrations.RemoveConstraint(
            model_name='pbballot',
            name='pb_ballot_has_voter_or_paper',
        ),
        migrations.RemoveField(
            model_name='pbballot',
            name='voter',
        ),
        migrations.AddConstraint(
            model_name='pbballot',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('channel', 'online'), ('paper_number__isnull', True), ('paper_reference', '')), models.Q(('channel', 'paper'), ('paper_number__isnull', False)), models.Q(('channel', 'paper'), ('paper_number__isnull', True), models.Q(('paper_reference', ''), _negated=True)), _connector='OR'), name='pb_ballot_channel_consistent'),
        ),
    ]
