"""The notification outbox moves into core: one table for every app's messages."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0004_shared_cache_table'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('app', models.CharField(max_length=40)),
                ('email', models.EmailField(blank=True, max_length=254)),
                ('about_id', models.PositiveBigIntegerField(blank=True, null=True)),
                ('subject', models.CharField(max_length=200)),
                ('body', models.TextField()),
                ('immediate', models.BooleanField(default=True)),
                ('created_at', models.DateTimeField()),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('channel', models.CharField(blank=True, max_length=20)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('failure', models.CharField(blank=True, max_length=300)),
                ('about_type', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='contenttypes.contenttype')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['sent_at', 'immediate'], name='core_notifi_sent_at_0df51b_idx'), models.Index(fields=['about_type', 'about_id'], name='core_notifi_about_t_da6e66_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('user__isnull', False), models.Q(('email', ''), _negated=True), _connector='OR'), name='core_notification_has_recipient')],
            },
        ),
    ]
