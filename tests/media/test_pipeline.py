import io
import itertools
import json
import subprocess

import av
import pytest
from django.core.files.storage import default_storage

from townhall.audit.gateway import own_vault
from townhall.media.models import MediaJob, Rendition, Video, VideoText
from townhall.media.probe import MediaRejected, probe
from townhall.media.selectors import video_caption
from townhall.media.services import owner_vault
from townhall.regions.selectors import in_region

from .clips import FFMPEG, garbled, undecodable


def streams_of(data: bytes) -> dict:
    with av.open(io.BytesIO(data)) as container:
        v = container.streams.video[0]
        a = container.streams.audio[0] if container.streams.audio else None
        return {
            "size": (v.codec_context.width, v.codec_context.height),
            "vcodec": v.codec_context.name,
            "acodec": a.codec_context.name if a else None,
            "channels": a.codec_context.channels if a else None,
        }


def public_bytes(rendition: Rendition) -> bytes:
    with default_storage.open(rendition.storage_name) as f:
        return f.read()


def x264_marker(data: bytes) -> bytes:
    """The x264 options string of an encode: the same in a remuxed copy, not in a re-encode."""
    start = data.index(b"x264 - core")
    return data[start : start + 200]


def test_vertical_public_video_gets_ladder_hls_and_poster(person, clips, publish):
    source = clips("vertical.mp4", size="720x1280", seconds=3)
    video = publish(person, source, caption="Hello #Parliament and #civics @alice @nobody")
    assert video.state == Video.State.PUBLISHED, video.failure_message
    assert video.progress == 100
    assert (video.width, video.height, video.duration) == (720, 1280, 3.0)
    assert video.hashtags == ["parliament", "civics"]
    assert video.mentions == ["alice"]
    mp4s = {r.name: r for r in video.renditions.filter(kind="mp4")}
    assert sorted(mp4s) == ["360.mp4", "540.mp4", "720.mp4"]  # none above the source
    assert (mp4s["360.mp4"].width, mp4s["360.mp4"].height) == (360, 640)  # still vertical
    info = streams_of(public_bytes(mp4s["540.mp4"]))
    assert info == {"size": (540, 960), "vcodec": "h264", "acodec": "aac", "channels": 2}
    # +faststart: the moov box comes before the media data.
    data = public_bytes(mp4s["360.mp4"])
    assert data.index(b"moov") < data.index(b"mdat")
    names = set(video.renditions.values_list("name", flat=True))
    assert "hls/master.m3u8" in names and "poster.jpg" in names
    master = public_bytes(video.renditions.get(name="hls/master.m3u8")).decode()
    assert master.count("#EXT-X-STREAM-INF") == 3
    assert any(n.endswith(".m4s") for n in names) and "hls/0/init_0.mp4" in names
    # The original is gone once published.
    assert video.original == "" or not own_vault(person, acting=person).list_files(video.original)
    assert MediaJob.objects.get(video=video).state == "done"


def test_source_already_h264_aac_at_a_rung_is_remuxed(person, clips, publish):
    source = clips("exact360.mp4", size="360x640", seconds=2, extra=("-b:v", "500k"))
    video = publish(person, source)
    [mp4] = video.renditions.filter(kind="mp4")
    assert mp4.name == "360.mp4"
    data = public_bytes(mp4)
    # Remuxed: the very same coded frames, no re-encode (x264 options string unchanged).
    assert x264_marker(source.read_bytes()) in data
    assert data.index(b"moov") < data.index(b"mdat")


def test_source_over_the_bitrate_cap_is_reencoded(person, clips, publish):
    source = clips("fat360.mp4", size="360x640", seconds=2, extra=("-b:v", "4000k"))
    video = publish(person, source)
    data = public_bytes(video.renditions.get(name="360.mp4"))
    assert x264_marker(source.read_bytes()) not in data


def test_variable_frame_rate_is_reencoded_at_a_constant_rate(person, clips, publish):
    # H.264/AAC at a rung's exact size, under its bitrate cap: a remux but for the frame rate.
    # 20 frames at 25 fps, then 12 fps.
    source = clips(
        "vfr360.mp4",
        size="360x640",
        seconds=3,
        extra=("-vf", "setpts='if(lt(N,20),N/25/TB,(20/25+(N-20)/12)/TB)'", "-b:v", "400k"),
        output=("-fps_mode", "vfr"),
    )
    assert probe(str(source)).variable_frame_rate
    video = publish(person, source)
    assert video.state == "published", video.failure_message
    [mp4] = video.renditions.filter(kind="mp4")
    data = public_bytes(mp4)
    assert x264_marker(source.read_bytes()) not in data  # re-encoded, not remuxed
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        times = sorted(p.pts for p in container.demux(stream) if p.pts is not None)
    steps = {b - a for a, b in itertools.pairwise(times)}
    assert len(times) > 20 and len(steps) == 1  # one frame every 1/rate s: constant
    assert not probe(io.BytesIO(data)).variable_frame_rate


@pytest.mark.parametrize("keep", [True, False])
def test_the_original_is_deleted_after_publishing_unless_kept(
    person, clips, publish, settings, keep
):
    settings.TOWNHALL_KEEP_ORIGINALS = keep
    source = clips("vertical.mp4", size="720x1280", seconds=3)
    video = publish(person, source, parts=2)
    assert video.state == "published", video.failure_message
    vault = owner_vault(person, acting=person)
    if keep:
        parts = vault.list_files(video.original)
        assert len(parts) == 2
        kept = b"".join(vault.open_file(name).read() for name in parts)
        assert kept == source.read_bytes()
    else:
        assert video.original == ""
        assert vault.list_files("uploads") == []


def test_rotation_is_applied(person, clips, publish, tmp_path):
    plain = clips("landscape.mp4", size="640x360", seconds=2)
    rotated = tmp_path / "phone.mp4"
    subprocess.run(
        [
            FFMPEG,
            "-loglevel",
            "error",
            "-display_rotation:v:0",
            "90",
            "-i",
            str(plain),
            "-c",
            "copy",
            str(rotated),
        ],
        check=True,
    )
    video = publish(person, rotated)
    assert video.state == "published", video.failure_message
    assert (video.width, video.height, video.rotation) == (360, 640, 90)
    mp4 = video.renditions.get(name="360.mp4")
    assert streams_of(public_bytes(mp4))["size"] == (360, 640)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("odd.mp4", {"size": "721x1281", "seconds": 1.5}),
        (
            "vp9.webm",
            {
                "vcodec": "libvpx-vp9",
                "acodec": "libopus",
                "extra": ("-b:v", "200k", "-deadline", "realtime", "-cpu-used", "8"),
            },
        ),
        ("hevc.mov", {"vcodec": "libx265", "extra": ("-x265-params", "log-level=error")}),
        ("silent.mp4", {"acodec": None}),
    ],
)
def test_other_inputs_are_accepted_and_transcoded(person, clips, publish, name, kwargs):
    video = publish(person, clips(name, **kwargs))
    assert video.state == "published", video.failure_message
    mp4 = video.renditions.filter(kind="mp4").first()
    info = streams_of(public_bytes(mp4))
    assert info["vcodec"] == "h264"
    assert info["size"][0] % 2 == 0 and info["size"][1] % 2 == 0


def test_private_video_is_sealed_in_the_home_region(make_person, clips, publish):
    owner = make_person("sgowner", country="SG")
    video = publish(
        owner,
        clips("vertical.mp4", size="720x1280", seconds=3),
        caption="secret #plans",
        visibility="private",
    )
    assert video.state == "published"
    assert video.caption == "" and video.hashtags == []
    assert video_caption(video, viewer=video.owner) == "secret #plans"
    assert in_region(VideoText, "sg").filter(video_id=video.pk).exists()
    mp4 = video.renditions.get(name="360.mp4")
    assert mp4.sealed and mp4.storage_name.startswith(f"{owner.pk}/videos/")
    assert not default_storage.exists(f"videos/{video.public_id}")
    vault = own_vault(owner, acting=owner)
    with vault.open_file(mp4.storage_name) as reader:
        assert streams_of(reader.read())["vcodec"] == "h264"


@pytest.mark.parametrize(
    ("maker", "code"),
    [
        (
            lambda d, clips: d.joinpath("text.mp4").write_text("not a video") and d / "text.mp4",
            "not_a_video",
        ),
        (lambda d, clips: d.joinpath("zero.mp4").write_bytes(b"") or d / "zero.mp4", "not_a_video"),
        (lambda d, clips: _truncated(d, clips), "corrupt_file"),
        (lambda d, clips: clips("short.mp4", seconds=0.5), "too_short"),
        (
            lambda d, clips: clips("wide.mp4", size="4200x240", seconds=1.2, acodec=None),
            "resolution_too_large",
        ),
        (lambda d, clips: undecodable(clips("api-small.mp4"), d / "evc.mp4"), "unsupported_codec"),
        (lambda d, clips: garbled(clips("api-small.mp4"), d / "garbled.mp4"), "corrupt_file"),
    ],
)
def test_refused_inputs(person, clips, publish, tmp_path, maker, code):
    with pytest.raises(MediaRejected) as exc:
        publish(person, maker(tmp_path, clips))
    assert exc.value.code == code
    assert not Video.objects.exists()


def _truncated(d, clips):
    data = clips("vertical.mp4", size="720x1280", seconds=3).read_bytes()
    path = d / "truncated.mp4"
    path.write_bytes(data[: len(data) // 2])
    return path


def test_too_long(person, clips, publish, settings):
    settings.TOWNHALL_VIDEO_MAX_SECONDS = 2
    with pytest.raises(MediaRejected) as exc:
        publish(person, clips("vertical.mp4", size="720x1280", seconds=3))
    assert exc.value.code == "too_long"


def test_original_in_several_parts(person, clips, publish):
    video = publish(person, clips("vertical.mp4", size="720x1280", seconds=3), parts=5)
    assert video.state == "published"
    assert json.loads(json.dumps(video.hashtags)) == []


def test_a_twelve_minute_video_is_too_long(person, clips, publish):
    long_clip = clips("twelve-minutes.mp4", size="64x112", rate="1", seconds=720, acodec=None)
    with pytest.raises(MediaRejected) as exc:
        publish(person, long_clip)
    assert exc.value.code == "too_long"
    assert "12.0 minutes" in exc.value.message
    assert not Video.objects.exists()


def test_an_8k_frame_is_too_large(person, clips, publish):
    with pytest.raises(MediaRejected) as exc:
        publish(person, clips("8k.mp4", size="7680x4320", rate="1", seconds=1.5, acodec=None))
    assert exc.value.code == "resolution_too_large"


def test_moov_at_the_end_is_accepted(person, clips, publish):
    source = clips("moov-last.mp4", size="360x640", seconds=2)
    data = source.read_bytes()
    assert data.index(b"mdat") < data.index(b"moov")  # FFmpeg's default layout
    video = publish(person, source)
    assert video.state == "published"
