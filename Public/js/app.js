// Progressive enhancement for Memories' pages; without JavaScript every form still posts and every link works.
// - uploads: drop zone and multi-file input, a few at a time, a progress bar per file, a total, cancel, server errors;
// - live status: new photos appear as placeholders and turn into thumbnails without a reload (polling GET /photos?ids=);
// - the grid: arrow-key navigation and "load more" in place;
// - the photo page: a lightbox with previous/next by arrow keys, buttons and swipes.
(() => {
  "use strict";
  const MAX_PARALLEL = 3;
  const csrfToken = () => document.querySelector("meta[name=csrf-token]")?.content || "";
  // A share link's pages (/s/<token>) keep every link and request under the link; a drop box shows no photo pages
  // and asks for its own uploads' status by their hashes (ids in sequence would let a guest see others' photos).
  const shareBase = document.querySelector("[data-share-base]")?.dataset.shareBase || "";
  const isDropBox = !!document.querySelector("[data-share-dropbox]");

  // ---- Placeholders --------------------------------------------------------------------------------------------

  /** Paints an image's ThumbHash (data-placeholder, base64) behind it until the image itself has loaded; one that
   * fails to load keeps its placeholder rather than showing a broken image. */
  function paintPlaceholder(img) {
    const hash = img.dataset.placeholder;
    if (!hash || (img.complete && img.naturalWidth > 0) || !window.memoriesThumbHash) return;
    const url = window.memoriesThumbHash.placeholderURL(hash);
    if (!url) return;
    img.style.backgroundImage = `url("${url}")`;
    img.style.backgroundSize = "100% 100%";
    img.classList.add("has-placeholder");
    const clear = () => { img.style.backgroundImage = ""; img.classList.remove("has-placeholder"); };
    img.addEventListener("load", clear, { once: true });
  }

  function paintPlaceholders(root) {
    for (const img of root.querySelectorAll("img[data-placeholder]")) paintPlaceholder(img);
  }

  // ---- Grid tiles ----------------------------------------------------------------------------------------------

  /** Fills a tile's link from a photo in JSON (DESIGN §5a): a thumbnail, a placeholder, or the failure. */
  function renderTile(tile, photo) {
    tile.className = "tile tile-" + photo.status;
    tile.dataset.photoId = photo.id;
    tile.dataset.status = photo.status;
    tile.dataset.month = (photo.taken_at || "").slice(0, 7);
    let link = tile.querySelector("a");
    if (!link) { link = document.createElement("a"); tile.append(link); }
    let star = tile.querySelector("[data-star]");
    if (!star && !shareBase && !isDropBox) {
      star = document.createElement("button");
      star.type = "button"; star.className = "star"; star.textContent = "★"; star.dataset.star = photo.id;
      tile.append(star);
    }
    if (star) {
      star.classList.toggle("is-favorite", !!photo.favorite);
      star.setAttribute("aria-pressed", String(!!photo.favorite));
      star.setAttribute("aria-label", "Favourite " + photo.original_name);
    }
    const album = (document.querySelector("[data-grid]")?.dataset.scope || "").match(/^album=(\d+)$/);
    if (isDropBox) link.removeAttribute("href");
    else if (shareBase) link.href = shareBase + "/photos/" + photo.id;
    else link.href = "/photos/" + photo.id + (album ? "?album=" + album[1] : "");
    link.setAttribute("aria-label", photo.original_name);
    link.replaceChildren();
    if (photo.status === "ready" && photo.urls.thumbnail) {
      const picture = document.createElement("picture");
      const img = document.createElement("img");
      const sizes = photo.sizes || {};
      const tileSizes = "(max-width: 520px) 50vw, (max-width: 1000px) 33vw, 240px";
      if (sizes.thumbnail && sizes.display && photo.urls.thumbnail_webp && photo.urls.display_webp) {
        const source = document.createElement("source");
        source.type = "image/webp";
        source.srcset = `${photo.urls.thumbnail_webp} ${sizes.thumbnail.width}w, ${photo.urls.display_webp} ${sizes.display.width}w`;
        source.sizes = tileSizes;
        picture.append(source);
      }
      if (photo.placeholder) img.dataset.placeholder = photo.placeholder;
      img.src = photo.urls.thumbnail;
      if (sizes.thumbnail && sizes.display && photo.urls.display) {
        img.srcset = `${photo.urls.thumbnail} ${sizes.thumbnail.width}w, ${photo.urls.display} ${sizes.display.width}w`;
        img.sizes = tileSizes;
        img.width = sizes.thumbnail.width; img.height = sizes.thumbnail.height;
      }
      img.alt = photo.original_name;
      img.loading = "lazy"; img.decoding = "async";
      picture.append(img);
      link.append(picture);
      paintPlaceholder(img);
    } else if (photo.status === "failed") {
      const box = document.createElement("span");
      box.className = "placeholder failed";
      box.textContent = "Failed: " + (photo.error || "unknown error");
      link.append(box);
    } else {
      const box = document.createElement("span");
      box.className = "placeholder";
      const spinner = document.createElement("span");
      spinner.className = "spinner"; spinner.setAttribute("aria-hidden", "true");
      const text = document.createElement("span");
      text.className = "status-text"; text.textContent = photo.status;
      box.append(spinner, text);
      link.append(box);
    }
  }

  /** A month's heading in the grid, "July 2019", as the server renders it (the months are UTC, as taken_at is). */
  function monthHeading(month) {
    const [year, number] = month.split("-").map(Number);
    const title = new Date(Date.UTC(year, number - 1, 1))
      .toLocaleString("en-GB", { month: "long", year: "numeric", timeZone: "UTC" });
    const item = document.createElement("li");
    item.className = "month-head"; item.dataset.month = month;
    const heading = document.createElement("h2");
    heading.textContent = title;
    item.append(heading);
    return item;
  }

  function ensureGrid() {
    let grid = document.querySelector("[data-grid]");
    if (!grid) {
      grid = document.createElement("ul");
      grid.className = "grid"; grid.dataset.grid = ""; grid.setAttribute("aria-label", "Photos");
      const anchor = document.querySelector(".upload");
      anchor ? anchor.after(grid) : document.querySelector("main").append(grid);
    }
    document.querySelector("[data-empty]")?.remove();
    return grid;
  }

  // ---- Live status ---------------------------------------------------------------------------------------------

  /** Polls the photos still queued or processing, with backoff, and updates their tiles in place. */
  const liveStatus = (() => {
    const pending = new Map(); // id → hash (the hash only for a drop box's own uploads)
    let timer = null;
    let delay = 700;
    const schedule = () => {
      if (timer || !pending.size) return;
      timer = setTimeout(poll, delay);
    };
    const poll = async () => {
      timer = null;
      const ids = [...pending.keys()].slice(0, 200);
      const url = isDropBox
        ? shareBase + "/photos?hashes=" + ids.map((id) => pending.get(id)).join(",")
        : (shareBase || "") + "/photos?ids=" + ids.join(",");
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        if (response.ok) {
          const { photos } = await response.json();
          const seen = new Set(photos.map((p) => String(p.id)));
          for (const id of ids) if (!seen.has(id)) pending.delete(id); // deleted meanwhile
          let changed = false;
          for (const photo of photos) {
            const id = String(photo.id);
            for (const tile of document.querySelectorAll(`.tile[data-photo-id="${id}"]`)) {
              if (tile.dataset.status !== photo.status) {
                renderTile(tile, photo); changed = true;
                if (photo.status === "ready") tile.classList.add("arrived");
              }
            }
            updatePhotoPage(photo);
            if (photo.status === "ready" || photo.status === "failed") pending.delete(id);
          }
          delay = changed ? 700 : Math.min(delay * 1.4, 5000);
        }
      } catch (_) {
        delay = Math.min(delay * 2, 10000); // offline for a moment: try again later
      }
      schedule();
    };
    return {
      watch(id, hash) { pending.set(String(id), hash || ""); delay = 700; if (timer) { clearTimeout(timer); timer = null; } schedule(); },
    };
  })();

  /** On a photo's own page, a photo that became ready or failed is shown by reloading that page once. */
  function updatePhotoPage(photo) {
    const article = document.querySelector("article.photo");
    if (!article || article.dataset.photoId !== String(photo.id)) return;
    if (article.dataset.status !== photo.status) {
      article.dataset.status = photo.status;
      if (photo.status === "ready" || photo.status === "failed") location.reload();
      else for (const el of article.querySelectorAll(".status, .status-text")) el.textContent = photo.status;
    }
  }

  function setUpLiveStatus() {
    for (const holder of document.querySelectorAll("[data-pending]")) {
      for (const id of (holder.dataset.pending || "").split(",").filter(Boolean)) liveStatus.watch(id);
    }
  }

  // ---- Uploads -------------------------------------------------------------------------------------------------

  function setUpUploads() {
    const form = document.querySelector("[data-upload-form]");
    if (!form) return;
    const input = form.querySelector("input[type=file]");
    const zone = form.querySelector("[data-drop-zone]");
    const panel = document.querySelector("[data-upload-progress]");
    const list = panel.querySelector("[data-upload-list]");
    const totalBar = panel.querySelector("[data-upload-total]");
    const summary = panel.querySelector("[data-upload-summary]");
    const cancelAll = panel.querySelector("[data-upload-cancel-all]");
    const uploads = [];
    const queue = [];
    let running = 0;

    const refreshTotal = () => {
      const counted = uploads.filter((u) => u.state !== "cancelled");
      const total = counted.reduce((sum, u) => sum + u.size, 0) || 1;
      const sent = counted.reduce((sum, u) => sum + u.sent, 0);
      cancelAll.hidden = !uploads.some((u) => u.state === "waiting" || u.state === "sending");
      const done = uploads.filter((u) => u.state === "done").length;
      const failed = uploads.filter((u) => u.state === "error").length;
      const cancelled = uploads.filter((u) => u.state === "cancelled").length;
      totalBar.max = total; totalBar.value = sent;
      let text = `${done} of ${uploads.length - cancelled} uploaded · ${Math.round((100 * sent) / total)}%`;
      if (failed) text += ` · ${failed} failed`;
      summary.textContent = text;
    };

    const pump = () => {
      while (running < MAX_PARALLEL && queue.length) {
        const upload = queue.shift();
        if (upload.state !== "waiting") continue;
        running++;
        send(upload).finally(() => { running--; pump(); });
      }
    };

    const add = (files) => {
      const chosen = [...files];
      if (!chosen.length) return;
      panel.hidden = false;
      for (const file of chosen) {
        const item = document.createElement("li");
        item.className = "upload-item";
        const name = document.createElement("span");
        name.className = "name"; name.textContent = file.name; name.title = file.name;
        const bar = document.createElement("progress");
        bar.max = file.size || 1; bar.value = 0; bar.setAttribute("aria-label", "Upload of " + file.name);
        const note = document.createElement("span");
        note.className = "note"; note.textContent = "waiting";
        const cancel = document.createElement("button");
        cancel.type = "button"; cancel.className = "link-button"; cancel.textContent = "Cancel";
        cancel.setAttribute("aria-label", "Cancel the upload of " + file.name);
        item.append(name, bar, note, cancel);
        list.append(item);
        const upload = { file, item, bar, note, cancel, size: file.size || 1, sent: 0, state: "waiting", xhr: null };
        cancel.addEventListener("click", () => cancelUpload(upload));
        uploads.push(upload);
        queue.push(upload);
      }
      refreshTotal();
      pump();
    };

    const finish = (upload, state, text) => {
      upload.state = state;
      upload.note.textContent = text;
      upload.item.classList.add(state);
      upload.cancel.hidden = true;
      if (state !== "cancelled") { upload.sent = upload.size; upload.bar.value = upload.bar.max; }
      refreshTotal();
    };

    const cancelUpload = (upload) => {
      if (upload.state === "waiting") finish(upload, "cancelled", "cancelled");
      else if (upload.state === "sending") upload.xhr.abort();
    };

    const albumField = () => form.querySelector("[name=album]")?.value || "";

    // Files from TUS_THRESHOLD up go as resumable uploads (tus 1.0, /uploads) in 5 MiB chunks; the upload's URL is
    // kept in localStorage under the file's name, size and date, so choosing the same file again after a dropped
    // connection or a reload resumes where the server's HEAD says it stopped.
    const tusThreshold = Number(form.dataset.tusThreshold || 0);
    const send = (upload) => (tusThreshold && upload.file.size >= tusThreshold ? sendResumable(upload) : sendForm(upload));

    const TUS_CHUNK = 5 * 1024 * 1024;
    const tusEndpoint = form.dataset.tusEndpoint || "/uploads";
    const tusKey = (file) => `memories-tus:${tusEndpoint === "/uploads" ? "" : tusEndpoint + ":"}${file.name}:${file.size}:${file.lastModified}`;
    const base64 = (text) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

    /** One tus request through XMLHttpRequest (for upload progress); resolves with the finished request. */
    const tusRequest = (upload, method, url, headers, body, onProgress) => new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      upload.xhr = xhr;
      xhr.open(method, url);
      xhr.setRequestHeader("Tus-Resumable", "1.0.0");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRF-Token", csrfToken());
      for (const [name, value] of Object.entries(headers || {})) xhr.setRequestHeader(name, String(value));
      if (onProgress) xhr.upload.onprogress = (e) => onProgress(e.loaded);
      xhr.onload = () => resolve(xhr);
      xhr.onerror = () => reject(new Error("network"));
      xhr.onabort = () => reject(new DOMException("cancelled", "AbortError"));
      xhr.send(body ?? null);
    });

    const messageOf = (xhr) => {
      try { return JSON.parse(xhr.responseText).message || `failed (HTTP ${xhr.status})`; } catch (_) { return `failed (HTTP ${xhr.status})`; }
    };

    const sendResumable = async (upload) => {
      const file = upload.file;
      const key = tusKey(file);
      upload.state = "sending";
      upload.cancel.hidden = false;
      const progress = (at) => {
        upload.bar.max = file.size; upload.bar.value = at;
        upload.sent = at;
        upload.note.textContent = Math.round((100 * at) / file.size) + "%";
        refreshTotal();
      };
      let url = localStorage.getItem(key);
      try {
        let offset = 0;
        if (url) {
          const head = await tusRequest(upload, "HEAD", url);
          if (head.status === 200) offset = Number(head.getResponseHeader("Upload-Offset"));
          else { localStorage.removeItem(key); url = null; }
        }
        if (!url) {
          const album = albumField();
          const metadata = "filename " + base64(file.name) + (album ? ",album " + base64(album) : "");
          const created = await tusRequest(upload, "POST", tusEndpoint, { "Upload-Length": file.size, "Upload-Metadata": metadata });
          if (created.status !== 201) { finish(upload, "error", messageOf(created)); return; }
          url = created.getResponseHeader("Location");
          localStorage.setItem(key, url);
        }
        upload.tusURL = url;
        progress(offset);
        let failures = 0;
        for (;;) {
          let answer = null;
          try {
            answer = await tusRequest(
              upload, "PATCH", url, { "Upload-Offset": offset, "Content-Type": "application/offset+octet-stream" },
              file.slice(offset, offset + TUS_CHUNK), (loaded) => progress(offset + loaded));
          } catch (error) {
            if (error.name === "AbortError") throw error;
          }
          if (answer && answer.status === 204) { offset = Number(answer.getResponseHeader("Upload-Offset")); failures = 0; continue; }
          if (answer && (answer.status === 200 || answer.status === 201)) {
            localStorage.removeItem(key);
            finish(upload, "done", answer.status === 201 ? "uploaded" : "already uploaded");
            showUploaded(JSON.parse(answer.responseText));
            return;
          }
          if (answer && answer.status !== 409 && answer.status < 500) {
            localStorage.removeItem(key);
            finish(upload, "error", messageOf(answer));
            return;
          }
          // A dropped connection, a busy upload or a server error: wait, ask where the upload stands, go on.
          failures++;
          if (failures > 8) { finish(upload, "error", "network error: choose the file again to resume"); return; }
          upload.note.textContent = "reconnecting…";
          await sleep(Math.min(30000, 500 * 2 ** failures));
          try {
            const head = await tusRequest(upload, "HEAD", url);
            if (head.status === 200) offset = Number(head.getResponseHeader("Upload-Offset"));
          } catch (error) {
            if (error.name === "AbortError") throw error;
          }
        }
      } catch (error) {
        if (error.name === "AbortError") {
          if (url) { localStorage.removeItem(key); tusRequest({}, "DELETE", url).catch(() => {}); }
          finish(upload, "cancelled", "cancelled");
        } else {
          finish(upload, "error", "network error: choose the file again to resume");
        }
      }
    };

    const sendForm = (upload) => new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      upload.xhr = xhr;
      upload.state = "sending";
      const body = new FormData();
      const album = albumField();
      if (album) body.append("album", album);
      body.append("file", upload.file, upload.file.name);
      xhr.open("POST", form.getAttribute("action") || "/photos");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRF-Token", csrfToken());
      xhr.upload.onprogress = (e) => {
        if (!e.lengthComputable) return;
        upload.bar.max = e.total; upload.bar.value = e.loaded;
        upload.sent = (e.loaded / e.total) * upload.size;
        upload.note.textContent = Math.round((100 * e.loaded) / e.total) + "%";
        refreshTotal();
      };
      xhr.onload = () => {
        let answer = {};
        try { answer = JSON.parse(xhr.responseText); } catch (_) { /* not JSON: the status says enough */ }
        if (xhr.status === 201 || xhr.status === 200) {
          finish(upload, "done", xhr.status === 201 ? "uploaded" : "already uploaded");
          for (const photo of answer.photos || []) showUploaded(photo);
        } else {
          finish(upload, "error", answer.message || `failed (HTTP ${xhr.status})`);
        }
        resolve();
      };
      xhr.onerror = () => { finish(upload, "error", "network error: check the connection and try again"); resolve(); };
      xhr.onabort = () => { finish(upload, "cancelled", "cancelled"); resolve(); };
      upload.note.textContent = "0%";
      upload.cancel.hidden = false;
      xhr.send(body);
    });

    /** Puts an uploaded photo at the top of this page's grid (when it belongs here) and watches its status. */
    const showUploaded = (photo) => {
      const grid = ensureGrid();
      const scope = grid.dataset.scope || "";
      const belongs = scope === "" || (photo.albums || []).some((id) => scope === "album=" + id);
      if (!belongs) return;
      let tile = grid.querySelector(`.tile[data-photo-id="${photo.id}"]`);
      if (!tile) {
        // At the top, under its month's heading (a new upload is usually the newest month: make one if missing).
        tile = document.createElement("li");
        const month = (photo.taken_at || "").slice(0, 7);
        const head = grid.firstElementChild;
        if (head?.classList.contains("month-head") && head.dataset.month === month) head.after(tile);
        else { grid.prepend(tile); if (month) grid.prepend(monthHeading(month)); }
      }
      renderTile(tile, photo);
      if (photo.status === "queued" || photo.status === "processing") liveStatus.watch(photo.id, photo.hash);
    };

    cancelAll.addEventListener("click", () => uploads.forEach(cancelUpload));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      add(input.files);
      input.value = "";
    });
    input.addEventListener("change", () => { add(input.files); input.value = ""; });
    input.required = false;
    for (const type of ["dragenter", "dragover"]) {
      zone.addEventListener(type, (e) => { e.preventDefault(); zone.classList.add("dragging"); });
    }
    for (const type of ["dragleave", "drop"]) zone.addEventListener(type, () => zone.classList.remove("dragging"));
    zone.addEventListener("drop", (e) => { e.preventDefault(); e.stopPropagation(); add(e.dataTransfer.files); });
    // A drop anywhere else on the page would open the image in the tab: take it as an upload instead.
    document.addEventListener("dragover", (e) => e.preventDefault());
    document.addEventListener("drop", (e) => { e.preventDefault(); if (e.dataTransfer?.files.length) add(e.dataTransfer.files); });
  }

  // ---- Favourites: the star on tiles and the photo page ------------------------------------------------------------

  /** A star toggles the photo's favourite in place (PATCH /photos/{id}); the photo page's form works without it. */
  function setUpStars() {
    if (!("canChange" in document.body.dataset)) return;
    document.addEventListener("click", async (e) => {
      const star = e.target.closest?.("[data-star]");
      if (!star) return;
      e.preventDefault();
      const favorite = star.getAttribute("aria-pressed") !== "true";
      const response = await fetch("/photos/" + star.dataset.star, {
        method: "PATCH",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrfToken() },
        body: JSON.stringify({ favorite }),
      });
      if (!response.ok) return;
      star.classList.toggle("is-favorite", favorite);
      star.setAttribute("aria-pressed", String(favorite));
      const field = star.form?.querySelector("input[name=favorite]");
      if (field) field.value = String(!favorite);
    });
  }

  // ---- Times: upload times in the viewer's time zone ---------------------------------------------------------------

  /** The server writes upload times in UTC; show them in the browser's zone (capture times stay the camera's). */
  function localizeTimes() {
    for (const time of document.querySelectorAll("time[data-local-time]")) {
      const date = new Date(time.dateTime);
      if (isNaN(date)) continue;
      time.textContent = date.toLocaleString(undefined, {
        day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
      });
      time.title = time.dateTime;
    }
  }

  // ---- Grid: keyboard and load more ------------------------------------------------------------------------------

  function setUpGridKeys() {
    document.addEventListener("keydown", (e) => {
      const link = e.target.closest?.(".tile a");
      if (!link || e.altKey || e.ctrlKey || e.metaKey) return;
      const tiles = [...link.closest("[data-grid]").querySelectorAll(".tile a")];
      const index = tiles.indexOf(link);
      const top = link.getBoundingClientRect().top;
      const columns = Math.max(1, tiles.filter((t) => Math.abs(t.getBoundingClientRect().top - top) < 2).length);
      const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns, Home: -index, End: tiles.length - 1 - index }[e.key];
      if (step === undefined) return;
      const next = tiles[Math.min(tiles.length - 1, Math.max(0, index + step))];
      if (next) { e.preventDefault(); next.focus(); next.scrollIntoView({ block: "nearest" }); }
    });
  }

  function setUpLoadMore() {
    const more = document.querySelector("[data-load-more]");
    if (!more) return;
    more.addEventListener("click", async (e) => {
      e.preventDefault();
      more.setAttribute("aria-busy", "true");
      try {
        const response = await fetch(more.dataset.loadMore, { headers: { Accept: "application/json" } });
        if (!response.ok) { location.href = more.href; return; }
        const { photos, next } = await response.json();
        const grid = ensureGrid();
        const first = grid.querySelectorAll(".tile").length;
        for (const photo of photos) {
          const tile = document.createElement("li");
          renderTile(tile, photo);
          const last = [...grid.querySelectorAll(".tile")].pop();
          if (tile.dataset.month && last?.dataset.month !== tile.dataset.month) grid.append(monthHeading(tile.dataset.month));
          grid.append(tile);
          if (photo.status === "queued" || photo.status === "processing") liveStatus.watch(photo.id);
        }
        grid.querySelectorAll(".tile")[first]?.querySelector("a")?.focus({ preventScroll: true });
        if (next) {
          more.dataset.loadMore = more.dataset.loadMore.replace(/after=\d+/, "after=" + next);
          more.href = more.href.replace(/after=\d+/, "after=" + next);
        } else {
          more.closest(".more").remove();
        }
      } catch (_) {
        location.href = more.href;
      } finally {
        more.removeAttribute("aria-busy");
      }
    });
  }

  // ---- Photo page and lightbox -----------------------------------------------------------------------------------

  function setUpPhotoPage() {
    const article = document.querySelector("article.photo");
    if (!article) return;
    const newer = article.dataset.newerUrl;
    const older = article.dataset.olderUrl;
    const go = (url, lightbox) => { if (url) location.href = url + (lightbox ? "#lightbox" : ""); };
    const opener = article.querySelector("[data-lightbox]");
    let box = null;

    const close = () => {
      if (!box) return;
      box.remove(); box = null;
      history.replaceState(null, "", location.pathname + location.search);
      opener?.focus();
    };
    const open = () => {
      if (!opener || box) return;
      box = document.createElement("div");
      box.className = "lightbox";
      box.setAttribute("role", "dialog");
      box.setAttribute("aria-modal", "true");
      box.setAttribute("aria-label", "Photo viewer");
      const img = document.createElement("img");
      img.src = opener.getAttribute("href");
      img.alt = opener.querySelector("img")?.alt || "";
      const button = (cls, label, text, action) => {
        const b = document.createElement("button");
        b.type = "button"; b.className = cls; b.setAttribute("aria-label", label); b.textContent = text;
        b.addEventListener("click", action);
        return b;
      };
      const closeButton = button("close", "Close", "×", close);
      box.append(img);
      if (newer) box.append(button("prev", "Newer photo", "‹", () => go(newer, true)));
      if (older) box.append(button("next", "Older photo", "›", () => go(older, true)));
      const caption = document.createElement("p");
      caption.className = "caption";
      caption.textContent = img.alt + " — ← → to browse, Esc to close";
      box.append(caption, closeButton);
      box.addEventListener("click", (e) => { if (e.target === box) close(); });
      let startX = null;
      box.addEventListener("touchstart", (e) => { startX = e.touches[0].clientX; }, { passive: true });
      box.addEventListener("touchend", (e) => {
        if (startX === null) return;
        const dx = e.changedTouches[0].clientX - startX;
        startX = null;
        if (dx > 50) go(newer, true); else if (dx < -50) go(older, true);
      });
      document.body.append(box);
      closeButton.focus();
      if (location.hash !== "#lightbox") history.replaceState(null, "", "#lightbox");
    };

    opener?.addEventListener("click", (e) => { e.preventDefault(); open(); });
    document.addEventListener("keydown", (e) => {
      if (e.altKey || e.ctrlKey || e.metaKey || e.target.closest?.("input, select, textarea")) return;
      if (e.key === "ArrowLeft") { e.preventDefault(); go(newer, Boolean(box)); }
      else if (e.key === "ArrowRight") { e.preventDefault(); go(older, Boolean(box)); }
      else if (e.key === "Escape" && box) { e.preventDefault(); close(); }
      else if (box && e.key === "Tab") {
        // Keep focus inside the dialog.
        const buttons = [...box.querySelectorAll("button")];
        const i = buttons.indexOf(document.activeElement);
        e.preventDefault();
        buttons[(i + (e.shiftKey ? buttons.length - 1 : 1)) % buttons.length].focus();
      }
    });
    if (location.hash === "#lightbox") open();
  }

  // ---- Share links ---------------------------------------------------------------------------------------------

  /** The "Share…" form makes the link in place and shows its URL to copy; without script it posts to a page. */
  function setUpShareLinks() {
    for (const form of document.querySelectorAll("[data-share-form]")) {
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const result = form.querySelector("[data-share-result]");
        const output = form.querySelector("[data-share-url]");
        try {
          const response = await fetch(form.getAttribute("action"), {
            method: "POST", body: new URLSearchParams(new FormData(form)),
            headers: { Accept: "application/json", "X-CSRF-Token": csrfToken() },
          });
          const answer = await response.json().catch(() => ({}));
          result.hidden = false;
          if (response.status === 201 && answer.link) { output.value = answer.link.url; output.select(); }
          else output.value = answer.message || `failed (HTTP ${response.status})`;
        } catch (_) {
          result.hidden = false;
          output.value = "network error: try again";
        }
      });
    }
    for (const button of document.querySelectorAll("[data-share-copy]")) {
      button.addEventListener("click", async () => {
        const output = button.parentElement.querySelector("[data-share-url]");
        output.select();
        try { await navigator.clipboard.writeText(output.value); button.textContent = "Copied"; }
        catch (_) { button.textContent = document.execCommand("copy") ? "Copied" : "Select and copy"; }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    setUpShareLinks();
    paintPlaceholders(document);
    setUpUploads();
    setUpLiveStatus();
    setUpGridKeys();
    setUpLoadMore();
    localizeTimes();
    setUpStars();
    setUpPhotoPage();
  });
})();
