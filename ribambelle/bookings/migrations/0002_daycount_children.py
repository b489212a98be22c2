from collections import defaultdict

from django.db import migrations, models


def fill_children(apps, schema_editor):
    """Every counter lists its booked children, and every booked (activity, day) has a counter
    equal to its bookings, activity by activity (a year of one activity fits in memory)."""
    Booking = apps.get_model("bookings", "Booking")
    DayCount = apps.get_model("bookings", "DayCount")
    Activity = apps.get_model("bookings", "Activity")
    for activity_id in Activity.objects.values_list("pk", flat=True).iterator():
        children = defaultdict(list)
        for day, child_id in (
            Booking.objects.filter(activity_id=activity_id)
            .order_by("date", "child_id")
            .values_list("date", "child_id")
            .iterator(chunk_size=5000)
        ):
            children[day].append(child_id)
        stale = []
        for counter in DayCount.objects.filter(activity_id=activity_id):
            ids = children.pop(counter.date, [])
            counter.children = "," + "".join(f"{pk}," for pk in ids)
            counter.booked = len(ids)
            stale.append(counter)
        DayCount.objects.bulk_update(stale, ["booked", "children"], batch_size=200)
        DayCount.objects.bulk_create(
            [
                DayCount(
                    activity_id=activity_id,
                    date=day,
                    booked=len(ids),
                    children="," + "".join(f"{pk}," for pk in ids),
                )
                for day, ids in children.items()
            ],
            batch_size=200,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="daycount",
            name="children",
            field=models.TextField(default=","),
        ),
        migrations.RunPython(fill_children, migrations.RunPython.noop),
    ]
