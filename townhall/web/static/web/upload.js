// The upload page with JavaScript: send the file with the tus 1.0 protocol, in parts as large as
// the server takes (data-chunk-bytes), resuming after a failed part, and show the progress.
// Without JavaScript the form posts the whole file to the page (the simple upload), so nothing
// here is needed for it to work.
"use strict";

(() => {
  // Only if the page does not say: small enough for any server.
  const DEFAULT_CHUNK = 1024 * 1024;
  const TUS = "1.0.0";
  const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000];

  const cookie = (name) => {
    for (const pair of document.cookie.split(";")) {
      const [key, ...rest] = pair.trim().split("=");
      if (key === name) return decodeURIComponent(rest.join("="));
    }
    return "";
  };

  // base64 of UTF-8 text (btoa alone only takes Latin-1).
  const b64 = (text) => {
    const bytes = new TextEncoder().encode(text);
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return btoa(binary);
  };

  const sleep = (ms) => new Promise((resolve) => window.setTimeout(resolve, ms));

  class UploadError extends Error {}

  // The API's error shape: {"error": {"code", "message"}}.
  const errorMessage = (xhr, fallback) => {
    try {
      const body = JSON.parse(xhr.responseText);
      if (body && body.error && body.error.message) return body.error.message;
    } catch {
      // not JSON
    }
    return fallback;
  };

  // One request; resolves with the XHR whatever its status, rejects on a network failure.
  const send = (method, url, headers, body, onProgress) =>
    new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, url);
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      if (onProgress) {
        xhr.upload.addEventListener("progress", (event) => onProgress(event.loaded));
      }
      xhr.addEventListener("load", () => resolve(xhr));
      xhr.addEventListener("error", () => reject(new Error("network")));
      xhr.addEventListener("abort", () => reject(new Error("aborted")));
      xhr.send(body);
    });

  const upload = async (form, file, show) => {
    // The server's TOWNHALL_TUS_MAX_CHUNK_BYTES (tests set it smaller).
    const CHUNK = Number(form.dataset.chunkBytes) || DEFAULT_CHUNK;
    const csrf = cookie("csrftoken") || form.querySelector("[name=csrfmiddlewaretoken]").value;
    const base = { "Tus-Resumable": TUS, "X-CSRFToken": csrf };
    const metadata = {
      filename: file.name,
      caption: form.elements.caption.value,
      visibility: form.elements.visibility.value,
    };
    if (form.elements.organisation && form.elements.organisation.value) {
      metadata.organisation = form.elements.organisation.value;
    }
    const created = await send(
      "POST",
      form.dataset.tusEndpoint,
      {
        ...base,
        "Upload-Length": String(file.size),
        "Upload-Metadata": Object.entries(metadata)
          .map(([key, value]) => `${key} ${b64(value)}`)
          .join(","),
      },
      null,
    );
    if (created.status !== 201) {
      throw new UploadError(errorMessage(created, `The upload could not start (${created.status}).`));
    }
    const location = new URL(created.getResponseHeader("Location"), window.location.href).href;
    let offset = Number(created.getResponseHeader("Upload-Offset")) || 0;
    let video = created.getResponseHeader("Townhall-Video");
    let failures = 0;
    show(offset, file.size);

    while (!video && offset < file.size) {
      const end = Math.min(offset + CHUNK, file.size);
      let response;
      try {
        response = await send(
          "PATCH",
          location,
          {
            ...base,
            "Upload-Offset": String(offset),
            "Content-Type": "application/offset+octet-stream",
          },
          file.slice(offset, end),
          (loaded) => show(offset + loaded, file.size),
        );
      } catch {
        response = null;
      }
      if (response && response.status === 204) {
        offset = Number(response.getResponseHeader("Upload-Offset"));
        video = response.getResponseHeader("Townhall-Video");
        failures = 0;
        show(offset, file.size);
        continue;
      }
      const retryable = !response || response.status === 409 || response.status >= 500;
      if (!retryable) {
        throw new UploadError(errorMessage(response, `The upload failed (${response.status}).`));
      }
      if (failures >= RETRY_DELAYS_MS.length) {
        throw new UploadError("The connection keeps failing. Try again when it is better.");
      }
      await sleep(RETRY_DELAYS_MS[failures]);
      failures += 1;
      // Ask the server how far it got, and go on from there.
      try {
        const head = await send("HEAD", location, base, null);
        if (head.status === 200) {
          offset = Number(head.getResponseHeader("Upload-Offset"));
          video = head.getResponseHeader("Townhall-Video");
          show(offset, file.size);
        } else if (head.status !== 0 && head.status < 500) {
          throw new UploadError("The upload was lost on the server; start again.");
        }
      } catch (error) {
        if (error instanceof UploadError) throw error;
      }
    }
    if (!video) {
      throw new UploadError("The server did not say which video it made; see your profile.");
    }
    return video;
  };

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("form[data-upload]");
    if (!form || !window.XMLHttpRequest || !window.File || !window.TextEncoder) {
      return;
    }
    const box = form.querySelector("[data-upload-progress]");
    const bar = box.querySelector("progress");
    const text = box.querySelector("[data-upload-progress-text]");
    const error = form.querySelector("[data-upload-error]");
    const button = form.querySelector("button[type=submit]");
    let busy = false;

    const show = (sent, total) => {
      const percent = total ? Math.floor((sent / total) * 100) : 100;
      bar.value = percent;
      text.textContent = `${percent}% uploaded`;
    };

    form.addEventListener("submit", async (event) => {
      const file = form.elements.file.files[0];
      if (!file) {
        return; // the browser's own "required" message, or the page's error, says why
      }
      event.preventDefault();
      if (busy) return;
      busy = true;
      button.disabled = true;
      error.hidden = true;
      box.hidden = false;
      show(0, file.size);
      try {
        const video = await upload(form, file, show);
        text.textContent = "Uploaded. Opening the video…";
        window.location.assign(`/v/${encodeURIComponent(video)}`);
      } catch (failure) {
        error.textContent =
          failure instanceof UploadError ? failure.message : "The upload failed. Try again.";
        error.hidden = false;
        box.hidden = true;
        button.disabled = false;
        busy = false;
      }
    });
  });
})();
