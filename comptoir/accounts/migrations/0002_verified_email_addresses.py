"""Everyone who could log in before allauth keeps logging in: their address becomes a
verified, primary allauth EmailAddress, so a later COMPTOIR_EMAIL_VERIFICATION=mandatory
or two-factor setup locks nobody out. An address held by several people stays unverified
(allauth keeps a verified address unique); they verify it themselves if they need to."""

from collections import Counter

from django.db import migrations


def verify_existing(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    people = list(User.objects.exclude(email="").values_list("pk", "email"))
    holders = Counter(email.strip().lower() for _pk, email in people)
    known = set(EmailAddress.objects.values_list("user_id", flat=True))
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(
                user_id=pk,
                email=email.strip().lower(),
                primary=True,
                verified=holders[email.strip().lower()] == 1,
            )
            for pk, email in people
            if pk not in known
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(verify_existing, migrations.RunPython.noop)]
