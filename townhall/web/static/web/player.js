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
