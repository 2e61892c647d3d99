from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from townhall.accounts.models import Account
from townhall.audit.selectors import access_log_for_account


def test_staff_command(person):
    call_command("staff", "alice", "--jurisdiction", "GB", "--superuser")
    person.refresh_from_db()
    assert (person.is_staff, person.is_superuser, person.staff_jurisdiction) == (True, True, "GB")
    call_command("staff", "alice", "--remove")
    person.refresh_from_db()
    assert (person.is_staff, person.staff_jurisdiction) == (False, "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ghost", "--jurisdiction", "GB"], "No account @ghost"),
        (["alice"], "--jurisdiction"),
        (["alice", "--jurisdiction", "XX"], "ISO 3166"),
    ],
)
def test_staff_command_errors(person, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("staff", *args)


def test_createsuperuser_explains_the_way(person):
    with pytest.raises(CommandError, match="townhall staff"):
        Account.objects.create_superuser("root", "a long passphrase")


def test_protected_data_command_goes_through_the_gateway(person, make_person, capsys):
    call_command("staff", make_person("helpdesk").handle, "--jurisdiction", "GB")
    call_command(
        "protected-data",
        "alice",
        "--staff",
        "helpdesk",
        "--purpose",
        "support_request",
        "--reference",
        "T-5",
    )
    assert "alice@example.org" in capsys.readouterr().out
    [entry] = access_log_for_account(account_id=person.pk)
    assert (entry.purpose, entry.reference, entry.outcome) == ("support_request", "T-5", "granted")
    with pytest.raises(CommandError, match="reference_required"):
        call_command("protected-data", "alice", "--staff", "helpdesk", "--purpose", "legal_request")


@pytest.mark.parametrize(
    ("purpose", "reference", "message"),
    [
        ("x" * 33, "T-6", "unknown_purpose: 'xxxxxxxx"),
        ("", "T-6", "purpose_required: An access to protected data needs a purpose"),
        ("support_request", "T" * 201, "reference_too_long: A reference is at most 200"),
    ],
)
def test_protected_data_command_reports_a_bad_purpose_or_reference_in_one_line(
    person, make_person, purpose, reference, message
):
    call_command("staff", make_person("helpdesk").handle, "--jurisdiction", "GB")
    with pytest.raises(CommandError) as failed:
        call_command(
            "protected-data",
            "alice",
            "--staff",
            "helpdesk",
            "--purpose",
            purpose,
            "--reference",
            reference,
        )
    assert str(failed.value).startswith(message) and "\n" not in str(failed.value)
    [entry] = access_log_for_account(account_id=person.pk)
    assert entry.outcome == "refused"


def test_demo_data_is_idempotent(capsys, django_capture_on_commit_callbacks):
    # The videos are published once the command's transaction commits (the worker's job, run
    # inline here); a second run finds them published and adds the likes and comments.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo-data")
    assert "not published yet" in capsys.readouterr().out
    call_command("demo-data")
    call_command("demo-data")
    org = Account.objects.get(handle="exampleparliament")
    assert org.verified
    assert org.members.count() == 3
    assert Account.objects.filter(kind="person").count() == 10
    bands = Counter(Account.objects.filter(kind="person").values_list("age_band", flat=True))
    # A few people of every age band: two in each teenage band, the rest adults.
    assert bands == {"13-15": 2, "16-17": 2, "adult": 6}
    sam = Account.objects.get(handle="sam")
    assert [e.reference for e in access_log_for_account(account_id=sam.pk)] == ["T-1042"]
    # Three generated demo videos, once: two for Example Parliament, one for @priya.
    from townhall.media.models import Video

    assert Video.objects.filter(owner=org).count() == 2
    assert Video.objects.filter(owner__handle="priya").count() == 1
    # Who follows whom, a private account with a request, and (the videos being published
    # inline here) likes, comments and views: each once, however often the command runs.
    from townhall.notifications.models import Notification
    from townhall.social.models import Comment, Follow, Like, VideoStats

    assert Follow.objects.filter(followee=org, state="approved").count() == 9
    jordan = Account.objects.get(handle="jordan")
    assert jordan.is_private
    assert list(
        Follow.objects.filter(followee=jordan)
        .order_by("pk")
        .values_list("follower__handle", "state")
    ) == [("noah", "approved"), ("mia", "pending")]
    first = Video.objects.filter(owner=org).order_by("pk").first()
    stats = VideoStats.objects.get(video=first)
    assert (stats.likes, stats.comments, stats.views) == (6, 3, 6)
    assert Like.objects.count() == 8
    assert Comment.objects.filter(author=org, parent__isnull=False).count() == 1
    assert Notification.objects.filter(recipient__handle="sam", kind="reply").count() == 1


def test_demo_data_is_not_held_to_the_sign_up_rate_limit(settings):
    """The operator's command signs up ten people; a client's limit of one must not stop it."""
    settings.TOWNHALL_AUTH_RATE = 1
    call_command("demo-data", "--no-videos")
    assert Account.objects.filter(kind="person").count() == 10
