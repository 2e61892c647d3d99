"""Index what existed before the search index did (upgraded databases): every account, and
every published public video with its hashtags. ``townhall search-reindex`` does the same with
the current models; this uses the models as they were at this migration."""

from django.db import migrations



# As ``services.account_text`` and ``services.index_tags`` were when this was written (a
# migration does not import code that may change after it).
def account_text(handle, display_name):
    return f"{handle} {display_name}"


def index_tags(hashtags):
    if not isinstance(hashtags, list):
        return []
    tags = (str(tag).lower()[:50] for tag in hashtags if isinstance(tag, str) and tag)
    return list(dict.fromkeys(tags))


def reindex(apps, schema_editor):
    alias = schema_editor.connection.alias
    Account = apps.get_model("accounts", "Account")
    Video = apps.get_model("media", "Video")
    VideoTag = apps.get_model("social", "VideoTag")
    SearchEntry = apps.get_model("social", "SearchEntry")
    VideoTag.objects.using(alias).all().delete()
    SearchEntry.objects.using(alias).all().delete()
    SearchEntry.objects.using(alias).bulk_create(
        SearchEntry(
            kind="account",
            account_id=account.pk,
            handle=account.handle,
            text=account_text(account.handle, account.display_name),
            created_at=account.date_joined,
        )
        for account in Account.objects.using(alias).order_by("pk").iterator()
    )
    public = Video.objects.using(alias).filter(state="published", visibility="public")
    for video in public.order_by("pk").iterator():
        published_at = video.published_at or video.created_at
        VideoTag.objects.using(alias).bulk_create(
            VideoTag(video_id=video.pk, tag=tag, published_at=published_at)
            for tag in index_tags(video.hashtags)
        )
        SearchEntry.objects.using(alias).create(
            kind="video", video_id=video.pk, text=video.caption, created_at=published_at
        )


class Migration(migrations.Migration):
    dependencies = [
        ("social", "0002_search_index"),
        ("accounts", "0001_initial"),
        ("media", "0003_upload_terminated_state"),
    ]

    operations = [
        migrations.RunPython(
            reindex, migrations.RunPython.noop, hints={"model_name": "searchentry"}
        ),
    ]
