// Progressive enhancement for the gallery: uploads with per-file progress, and live status of queued photos.
// Without JavaScript the form posts as usual and the pages still work.
(() => {
  "use strict";
  const MAX_PARALLEL = 3;

  function setUpUploads() {
    const form = document.querySelector("[data-upload-form]");
    if (!form) return;
    const input = form.querySelector("input[type=file]");
    const zone = form.querySelector("[data-drop-zone]");
    const list = document.querySelector("[data-upload-list]");
    const queue = [];
    let running = 0;
    let finished = 0;

    const pump = () => {
      while (running < MAX_PARALLEL && queue.length) {
        running++;
        queue.shift()().finally(() => { running--; pump(); });
      }
      if (!running && !queue.length && finished) setTimeout(() => location.reload(), 400);
    };

    const add = (files) => {
      for (const file of files) {
        const item = document.createElement("li");
        item.className = "upload-item";
        const name = document.createElement("span");
        name.textContent = file.name;
        const bar = document.createElement("progress");
        bar.max = file.size || 1; bar.value = 0;
        const note = document.createElement("span");
        note.className = "note"; note.textContent = "waiting";
        item.append(name, bar, note);
        list.append(item);
        queue.push(() => send(file, bar, note, item));
      }
      pump();
    };

    const send = (file, bar, note, item) => new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      const body = new FormData();
      body.append("file", file, file.name);
      xhr.open("POST", "/photos");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; note.textContent = Math.round(100 * e.loaded / e.total) + "%"; } };
      xhr.onload = () => {
        let answer = {};
        try { answer = JSON.parse(xhr.responseText); } catch (_) { /* not JSON: keep the status text */ }
        if (xhr.status === 201) { note.textContent = "uploaded"; finished++; }
        else if (xhr.status === 200) { note.textContent = "already uploaded"; finished++; }
        else { item.classList.add("error"); note.textContent = answer.message || ("failed: " + xhr.status); }
        bar.value = bar.max;
        resolve();
      };
      xhr.onerror = () => { item.classList.add("error"); note.textContent = "network error"; resolve(); };
      note.textContent = "0%";
      xhr.send(body);
    });

    form.addEventListener("submit", (event) => {
      if (!input.files.length) return;
      event.preventDefault();
      add(input.files);
      form.reset();
    });
    input.addEventListener("change", () => { if (input.files.length) { add(input.files); form.reset(); } });
    for (const type of ["dragenter", "dragover"]) zone.addEventListener(type, (e) => { e.preventDefault(); zone.classList.add("dragging"); });
    for (const type of ["dragleave", "drop"]) zone.addEventListener(type, () => zone.classList.remove("dragging"));
    zone.addEventListener("drop", (e) => { e.preventDefault(); if (e.dataTransfer.files.length) add(e.dataTransfer.files); });
  }

  function setUpLiveStatus() {
    const holder = document.querySelector("[data-pending]");
    if (!holder || !holder.dataset.pending) return;
    let pending = holder.dataset.pending.split(",").filter(Boolean);
    let delay = 500;
    const poll = async () => {
      try {
        const response = await fetch("/photos?ids=" + pending.join(","), { headers: { Accept: "application/json" } });
        if (response.ok) {
          const { photos } = await response.json();
          const done = photos.filter((p) => p.status === "ready" || p.status === "failed");
          if (done.length) { location.reload(); return; }
          pending = photos.map((p) => String(p.id));
        }
      } catch (_) { /* offline for a moment: try again later */ }
      if (pending.length) { delay = Math.min(delay * 1.5, 5000); setTimeout(poll, delay); }
    };
    setTimeout(poll, delay);
  }

  function setUpConfirmations() {
    for (const form of document.querySelectorAll("form[data-confirm]")) {
      form.addEventListener("submit", (e) => { if (!confirm(form.dataset.confirm)) e.preventDefault(); });
    }
  }

  document.addEventListener("DOMContentLoaded", () => { setUpUploads(); setUpLiveStatus(); setUpConfirmations(); });
})();
