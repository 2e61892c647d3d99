// The video page: follow a video's processing until it is published (or fails), then reload.
// The page works without this: it says to reload by hand.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const status = document.querySelector("[data-status-url]");
  if (!status) {
    return;
  }
  const url = status.dataset.statusUrl;
  const every = Number(status.dataset.pollMs) || 2000;
  const bar = status.querySelector("progress");
  const text = status.querySelector("[data-status-progress]");

  const poll = async () => {
    let body;
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (!response.ok) {
        throw new Error(`status ${response.status}`);
      }
      body = await response.json();
    } catch {
      // A dropped connection or a server restart: try again on the next tick.
      window.setTimeout(poll, every);
      return;
    }
    if (body.state === "published" || body.state === "failed") {
      window.location.reload();
      return;
    }
    const percent = Math.max(0, Math.min(100, Number(body.progress) || 0));
    if (bar) bar.value = percent;
    if (text) text.textContent = String(percent);
    window.setTimeout(poll, every);
  };
  window.setTimeout(poll, every);
});

// Count a view: once per page load, after the threshold of played time (2 s, or half of a
// video shorter than 4 s), POST the seconds played to the API. Playback never depends on it:
// a failed request is ignored (the next page load may count the view).
document.addEventListener("DOMContentLoaded", () => {
  const video = document.querySelector("video[data-view-url]");
  if (!video) {
    return;
  }
  const url = video.dataset.viewUrl;
  const csrf = video.dataset.csrf || "";
  let sent = false;
  let played = 0;
  let last = null;

  const threshold = () => {
    const duration = Number(video.duration);
    return Number.isFinite(duration) && duration > 0 && duration < 4 ? duration / 2 : 2;
  };

  const send = () => {
    sent = true;
    video.removeEventListener("timeupdate", onTime);
    try {
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ played: Math.round(played * 1000) / 1000 }),
      }).catch(() => {});
    } catch {
      // No fetch, or it threw: the view is not counted, the video plays on.
    }
  };

  // Seconds actually played: time moving forward while playing, not seeks.
  const onTime = () => {
    const now = video.currentTime;
    if (last !== null && !video.paused && now > last && now - last < 1.5) {
      played += now - last;
    }
    last = now;
    if (!sent && played >= threshold()) {
      send();
    }
  };
  video.addEventListener("timeupdate", onTime);
  video.addEventListener("seeking", () => {
    last = null;
  });
});
