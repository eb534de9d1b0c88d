# Commune classes replace the single "đặc biệt khó khăn" flag: which region's targets a
# class is judged by is now a rule of each criteria set, not a property of the commune.

from django.db import migrations, models


def flag_to_class(apps, schema_editor):
    Commune = apps.get_model("communes", "Commune")
    for commune in Commune.objects.filter(is_extremely_difficult=True):
        commune.classes = ["dbkk"]
        commune.save(update_fields=["classes"])


def class_to_flag(apps, schema_editor):
    Commune = apps.get_model("communes", "Commune")
    for commune in Commune.objects.all():
        if "dbkk" in (commune.classes or []):
            commune.is_extremely_difficult = True
            commune.save(update_fields=["is_extremely_difficult"])


class Migration(migrations.Migration):

    dependencies = [
        ("communes", "0003_history_reasons_kept_whole"),
    ]

    operations = [
        migrations.AddField(
            model_name="commune",
            name="classes",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="ĐBKK, KV-II, KV-III, Bãi ngang, Hải đảo, ATK.",
                verbose_name="phân loại xã",
            ),
        ),
        migrations.RunPython(flag_to_class, class_to_flag),
        migrations.RemoveField(
            model_name="commune",
            name="is_extremely_difficult",
        ),
    ]
