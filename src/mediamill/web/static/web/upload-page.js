// The library page's drop zone: mounts the uploads app's resumable uploader
// (mediamill.uploads, static uploads/upload.js) and refreshes the file list when a file
// has arrived. No inline script: the Content-Security-Policy allows only files like this.
const zone = document.getElementById("uploader");
const message = document.getElementById("upload-message");
const list = document.getElementById("upload-progress");
const recipe = document.getElementById("recipe");

function row(file) {
  const id = "upload-" + [file.name, file.size, file.lastModified].join("-").replace(/[^\w-]/g, "_");
  let item = document.getElementById(id);
  if (!item) {
    item = document.createElement("li");
    item.id = id;
    const label = document.createElement("span");
    label.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", "Upload of " + file.name);
    const note = document.createElement("span");
    note.className = "note";
    item.append(label, bar, note);
    list.append(item);
  }
  return item;
}

function refreshFiles() {
  if (window.htmx) {
    window.htmx.ajax("GET", zone.dataset.filesUrl, { target: "#files", swap: "outerHTML" });
  }
}

if (zone) {
  const metadata = { recipe: recipe ? recipe.value : "" };
  if (recipe) {
    recipe.addEventListener("change", () => { metadata.recipe = recipe.value; });
  }
  import(zone.dataset.module)
    .then(({ mountUploader }) => {
      mountUploader(zone, {
        endpoint: zone.dataset.endpoint,
        csrfToken: zone.dataset.csrf,
        metadata,
        onProgress(file, sent, total) {
          const bar = row(file).querySelector("progress");
          if (typeof sent === "number" && typeof total === "number" && total > 0) {
            bar.value = Math.floor((sent / total) * 100);
          }
        },
        onSuccess(file) {
          const item = row(file);
          item.querySelector("progress").value = 100;
          item.querySelector(".note").textContent = "Uploaded";
          refreshFiles();
        },
        onError(file, error) {
          const text = (error && error.message) || String(error);
          row(file).querySelector(".note").textContent = text;
          message.textContent = file.name + ": " + text;
        },
      });
    })
    .catch(() => {
      zone.classList.add("unavailable");
      message.textContent = "Uploading from the browser is not available on this server.";
    });
}
