"""Ballots keep no time, and ballots, choices and register marks take random ids, so row order
cannot pair a voter's mark with their ballot."""

from django.db import migrations, models

import seedbed.funding.models.pb


class Migration(migrations.Migration):

    dependencies = [
        ('funding', '0002_pb_ballot_register'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='pbballot',
            name='created_at',
        ),
        migrations.AlterField(
            model_name='pbballot',
            name='id',
            field=models.BigIntegerField(default=seedbed.funding.models.pb.random_row_id, editable=False, primary_key=True, serialize=False),
        ),
        migrations.AlterField(
            model_name='pbchoice',
            name='id',
            field=models.BigIntegerField(default=seedbed.funding.models.pb.random_row_id, editable=False, primary_key=True, serialize=False),
        ),
        migrations.AlterField(
            model_name='pbvotermark',
            name='id',
            field=models.BigIntegerField(default=seedbed.funding.models.pb.random_row_id, editable=False, primary_key=True, serialize=False),
        ),
    ]
