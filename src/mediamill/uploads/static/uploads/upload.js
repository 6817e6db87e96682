// Resumable uploads in the browser: a drop zone and file picker that send files to
// mediamill's tus endpoint (/uploads/) with tus-js-client, vendored beside this file.
//
//   import { mountUploader } from "/static/uploads/upload.js";
//   mountUploader(element, {
//     endpoint: "/uploads/", csrfToken, metadata: { recipe: "3" },
//     onProgress(file, sent, total) {}, onSuccess(file, result) {}, onError(file, message) {},
//   });
//
// Files go in pieces of the size the server announces; a dropped connection is retried,
// and an upload interrupted by a reload resumes where the server says it got to (tus
// fingerprints are kept in localStorage). `result` is the JSON object of the server's
// Upload-Result header; `message` is the server's own explanation when it refuses a file.

import "./vendor/tus.min.js"; // a UMD bundle: defines window.tus

const tus = window.tus;
const DEFAULT_CHUNK = 64 * 1024 * 1024;
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000];

/** The largest piece the server takes, from its OPTIONS answer (falls back to 64 MiB). */
async function chunkSize(endpoint) {
  try {
    const answer = await fetch(endpoint, { method: "OPTIONS", credentials: "same-origin" });
    const size = parseInt(answer.headers.get("Mediamill-Max-Chunk-Size") || "", 10);
    return size > 0 ? size : DEFAULT_CHUNK;
  } catch {
    return DEFAULT_CHUNK;
  }
}

/** A person-readable reason from a tus-js-client error (the server's JSON message if any). */
function reason(error) {
  const response = error && error.originalResponse;
  if (response) {
    try {
      const body = JSON.parse(response.getBody() || "{}");
      if (body.message) return body.message;
    } catch {
      // not JSON: fall through
    }
    if (response.getStatus() === 413) return "This file is too large.";
  }
  return "The upload failed. Check your connection and try again.";
}

function parseResult(response) {
  const header = response && response.getHeader("Upload-Result");
  if (!header) return {};
  try {
    return JSON.parse(decodeURIComponent(header));
  } catch {
    return {};
  }
}

/**
 * Upload one File; resolves when it is complete (or refused). Returns the tus.Upload, so
 * a caller can abort() it. Options as for mountUploader.
 */
export async function uploadFile(file, options) {
  const size = options.chunkSize || (await chunkSize(options.endpoint));
  const noop = () => {};
  const onProgress = options.onProgress || noop;
  const onSuccess = options.onSuccess || noop;
  const onError = options.onError || noop;
  const upload = new tus.Upload(file, {
    endpoint: options.endpoint,
    chunkSize: size,
    retryDelays: RETRY_DELAYS,
    headers: { "X-CSRFToken": options.csrfToken },
    metadata: { filename: file.name, filetype: file.type, ...(options.metadata || {}) },
    removeFingerprintOnSuccess: true,
    onProgress: (sent, total) => onProgress(file, sent, total),
    onSuccess: ({ lastResponse }) => onSuccess(file, parseResult(lastResponse)),
    onError: (error) => onError(file, reason(error)),
  });
  const previous = await upload.findPreviousUploads();
  if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
  upload.start();
  return upload;
}

/**
 * Turn `element` into a drop zone with a file picker (several files at once; keyboard:
 * the "Choose files" button). Returns { input, button, uploads }: the picker, its button
 * and the tus.Upload of every file started, in order.
 */
export function mountUploader(element, options) {
  const input = document.createElement("input");
  input.type = "file";
  input.multiple = true;
  input.hidden = true;
  input.className = "mm-uploader__input";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "mm-uploader__button";
  button.textContent = options.buttonText || "Choose files";
  const hint = document.createElement("span");
  hint.className = "mm-uploader__hint";
  hint.textContent = options.hintText || " or drop them here";
  element.classList.add("mm-uploader");
  element.append(button, hint, input);

  const uploads = [];
  const start = (files) => {
    for (const file of files) {
      uploadFile(file, options).then((upload) => uploads.push(upload));
    }
  };

  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    start(Array.from(input.files || []));
    input.value = "";
  });
  element.addEventListener("dragover", (event) => {
    event.preventDefault();
    element.classList.add("mm-uploader--dragging");
  });
  element.addEventListener("dragleave", () => element.classList.remove("mm-uploader--dragging"));
  element.addEventListener("drop", (event) => {
    event.preventDefault();
    element.classList.remove("mm-uploader--dragging");
    start(Array.from((event.dataTransfer && event.dataTransfer.files) || []));
  });
  return { input, button, uploads };
}
