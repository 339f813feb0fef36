"""Give random ids to the ballots, choices and register marks made before ids were random.

Migration 0002 moved each online ballot's voter to a register mark, creating the marks in
ballot order, and 0003 made *new* rows take random ids but left existing rows with their
sequential ids. Sorted by id, the k-th old mark and the k-th old ballot were still the same
person's, so a voter could be paired with their ballot. Here every row with a sequential id
(below 2**32; random ids are above it) takes a fresh random id, in a shuffled order, and each
choice follows its ballot. Nothing else refers to these rows: ballots were not audited
before 0002, and paper ballots audited since then already have random ids.
"""

import secrets

from django.db import migrations

SEQUENTIAL_BELOW = 2**32


def _fresh_id(model, taken: set[int]) -> int:
    from seedbed.funding.models.pb import random_row_id

    while True:
        new = random_row_id()
        if new not in taken and not model.objects.filter(pk=new).exists():
            taken.add(new)
            return new


def _shuffled(values: list[int]) -> list[int]:
    secrets.SystemRandom().shuffle(values)
    return values


def _renumber(apps, schema_editor):
    PbBallot = apps.get_model("funding", "PbBallot")
    PbChoice = apps.get_model("funding", "PbChoice")
    PbVoterMark = apps.get_model("funding", "PbVoterMark")
    taken: set[int] = set()
    for old in _shuffled(list(PbVoterMark.objects.filter(pk__lt=SEQUENTIAL_BELOW).values_list("pk", flat=True))):
        PbVoterMark.objects.filter(pk=old).update(id=_fresh_id(PbVoterMark, taken))
    for old in _shuffled(list(PbBallot.objects.filter(pk__lt=SEQUENTIAL_BELOW).values_list("pk", flat=True))):
        new = _fresh_id(PbBallot, taken)
        # Foreign keys are checked at commit (Django makes them deferrable), so the ballot
        # and its choices move together inside this migration's transaction.
        PbBallot.objects.filter(pk=old).update(id=new)
        PbChoice.objects.filter(ballot_id=old).update(ballot_id=new)
    for old in _shuffled(list(PbChoice.objects.filter(pk__lt=SEQUENTIAL_BELOW).values_list("pk", flat=True))):
        PbChoice.objects.filter(pk=old).update(id=_fresh_id(PbChoice, taken))


class Migration(migrations.Migration):

    dependencies = [("funding", "0005_award_exception")]

    operations = [migrations.RunPython(_renumber, migrations.RunPython.noop)]
