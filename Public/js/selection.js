// Selecting several photos on a grid (the gallery, an album, search results): a checkbox on each tile, shift-click
// for a range, a long press on touch screens, Esc to clear. While anything is selected a click on a tile toggles it,
// and a bar offers what can be done to them all at once: add to or remove from an album, favourite, download as one
// ZIP, share as a new album's link, move to the trash. The changes go through POST /photos/bulk (all or nothing).
(() => {
  "use strict";
  const csrfToken = () => document.querySelector("meta[name=csrf-token]")?.content || "";
  const selected = new Set(); // photo ids, as strings
  let anchor = null; // the tile a shift-click range starts from
  let bar = null;

  const tiles = () => [...document.querySelectorAll("[data-grid] .tile[data-photo-id]")];
  const tileOf = (id) => document.querySelector(`[data-grid] .tile[data-photo-id="${id}"]`);
  const albumScope = () => ((document.querySelector("[data-grid]")?.dataset.scope || "").match(/^album=(\d+)$/) || [])[1];

  // ---- Checkboxes --------------------------------------------------------------------------------------------------

  /** Gives a tile its checkbox (tiles arrive later too: uploads, "load more", live status). */
  function equip(tile) {
    let box = tile.querySelector("input[data-select]");
    if (!box) {
      box = document.createElement("input");
      box.type = "checkbox";
      box.className = "select";
      box.dataset.select = "";
      tile.prepend(box);
    }
    const name = tile.querySelector("a")?.getAttribute("aria-label") || "photo";
    box.setAttribute("aria-label", "Select " + name);
    box.checked = selected.has(tile.dataset.photoId);
  }

  function setSelected(tile, on) {
    const id = tile.dataset.photoId;
    if (on) selected.add(id); else selected.delete(id);
    const box = tile.querySelector("input[data-select]");
    if (box) box.checked = on;
  }

  /** Selects (or clears) every tile from the anchor to `tile`, in grid order. */
  function selectRange(tile, on) {
    const all = tiles();
    const from = all.indexOf(anchor);
    const to = all.indexOf(tile);
    if (from < 0 || to < 0) { setSelected(tile, on); return; }
    for (const t of all.slice(Math.min(from, to), Math.max(from, to) + 1)) setSelected(t, on);
  }

  function toggle(tile, shift, on = !selected.has(tile.dataset.photoId)) {
    if (!selected.size) say(""); // a new selection: the last one's message (and its Undo) is done with
    if (shift && anchor && anchor !== tile) selectRange(tile, on); else setSelected(tile, on);
    anchor = tile;
    refresh();
  }

  function clear() {
    for (const id of [...selected]) { const tile = tileOf(id); if (tile) setSelected(tile, false); else selected.delete(id); }
    anchor = null;
    refresh();
  }

  // ---- The bar -----------------------------------------------------------------------------------------------------

  function button(label, action, extra = "") {
    const b = document.createElement("button");
    b.type = "button"; b.textContent = label; b.dataset.action = action;
    if (extra) b.className = extra;
    return b;
  }

  function makeBar() {
    bar = document.createElement("div");
    bar.className = "selection-bar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Selected photos");
    bar.hidden = true;
    const close = button("×", "clear", "clear");
    close.setAttribute("aria-label", "Clear the selection (Esc)");
    const count = document.createElement("span");
    count.className = "count"; count.dataset.count = "";
    const actions = document.createElement("span");
    actions.className = "actions";
    actions.append(button("Add to album…", "add_to_album"));
    if (albumScope()) actions.append(button("Remove from album", "remove_from_album"));
    actions.append(button("★ Favourite", "favorite"), button("Download", "download"), button("Share…", "share"),
      button("Move to trash", "trash", "danger"));
    const status = document.createElement("p");
    status.className = "status"; status.dataset.status = ""; status.setAttribute("role", "status");
    bar.append(close, count, actions, status);
    document.body.append(bar);
    bar.addEventListener("click", (e) => {
      const b = e.target.closest("button[data-action]");
      if (b) act(b.dataset.action);
    });
  }

  function refresh() {
    if (!bar) makeBar();
    const n = selected.size;
    bar.hidden = n === 0;
    document.body.classList.toggle("selecting", n > 0);
    bar.querySelector("[data-count]").textContent = `${n} selected`;
    if (n === 0) say("");
  }

  const say = (text) => { if (bar) bar.querySelector("[data-status]").textContent = text; };
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

  async function send(method, url, body) {
    const response = await fetch(url, {
      method, body: body === undefined ? undefined : JSON.stringify(body),
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrfToken() },
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.message || `failed (HTTP ${response.status})`);
    return answer;
  }

  /** POST /photos/bulk over the selection; returns the ids by the status the server gave each (docs/api.md). */
  async function bulk(action, album) {
    const ids = [...selected].map(Number);
    const answer = await send("POST", "/photos/bulk", album ? { ids, action, album: Number(album) } : { ids, action });
    const by = {};
    for (const { id, status } of answer.results || []) (by[status] = by[status] || []).push(String(id));
    return by;
  }
  const present = (by) => Object.entries(by).filter(([status]) => status !== "missing").flatMap(([, ids]) => ids);

  /** TRASH_DAYS from the trash's JSON, asked once: 0 means a deletion is for good. */
  let trashDays = null;
  async function knownTrashDays() {
    if (trashDays === null) {
      try {
        const response = await fetch("/trash?limit=1", { headers: { Accept: "application/json" } });
        trashDays = response.ok ? (await response.json()).trash_days ?? 30 : 30;
      } catch (_) { trashDays = 30; }
    }
    return trashDays;
  }

  /** Takes tiles off this page (trashed, or removed from the album shown), and month headings left empty. */
  function removeTiles(ids) {
    for (const id of ids) { tileOf(id)?.remove(); selected.delete(id); }
    for (const head of document.querySelectorAll("[data-grid] .month-head")) {
      const next = head.nextElementSibling;
      if (!next || next.classList.contains("month-head")) head.remove();
    }
    refresh();
  }

  async function act(action) {
    if (action === "clear") { clear(); return; }
    if (!selected.size) return;
    try {
      if (action === "favorite") {
        const done = present(await bulk("favorite"));
        for (const id of done) {
          const star = tileOf(id)?.querySelector("[data-star]");
          star?.classList.add("is-favorite"); star?.setAttribute("aria-pressed", "true");
        }
        say(`${plural(done.length, "photo")} added to favourites`);
      } else if (action === "trash") {
        if ((await knownTrashDays()) === 0 &&
            !confirm(`Delete ${plural(selected.size, "photo")} for good? This server keeps no trash.`)) return;
        const by = await bulk("trash");
        removeTiles(present(by));
        if (by.purged) {
          say(`${plural(by.purged.length, "photo")} deleted for good`);
        } else {
          const moved = [...(by.trashed || []), ...(by.already_trashed || [])];
          say(`${plural(moved.length, "photo")} moved to the trash`);
          showUndo(moved);
        }
      } else if (action === "remove_from_album") {
        const done = present(await bulk("remove_from_album", albumScope()));
        removeTiles(done);
        say(`${plural(done.length, "photo")} removed from this album`);
      } else if (action === "download") {
        download();
      } else if (action === "add_to_album") {
        await chooseAlbum();
      } else if (action === "share") {
        await share();
      }
    } catch (error) {
      say(error.message || "network error: try again");
    }
  }

  /** After a move to the trash, an Undo that restores them; the trash page has them too. */
  function showUndo(ids) {
    const status = bar.querySelector("[data-status]");
    const undo = document.createElement("button");
    undo.type = "button"; undo.className = "link-button"; undo.textContent = "Undo";
    undo.addEventListener("click", async () => {
      try {
        await send("POST", "/photos/bulk", { ids: ids.map(Number), action: "restore" });
        location.reload();
      } catch (error) { say(error.message); }
    });
    const trash = document.createElement("a");
    trash.href = "/trash"; trash.textContent = "Open the trash";
    bar.hidden = false;
    status.append(" ", undo, " · ", trash);
  }

  /** The originals of the selection as one ZIP: a form post, so the browser streams the download to disk. */
  function download() {
    const form = document.createElement("form");
    form.method = "post"; form.action = "/photos/download"; form.hidden = true;
    for (const [name, value] of [["csrf_token", csrfToken()], ["photos", [...selected].join(",")]]) {
      const field = document.createElement("input");
      field.type = "hidden"; field.name = name; field.value = value;
      form.append(field);
    }
    document.body.append(form);
    form.submit();
    form.remove();
    say(`Preparing a ZIP of ${plural(selected.size, "photo")}…`);
  }

  /** A dialog with a form; resolves with its fields when submitted, or null when cancelled. */
  function dialog(title, build, submitLabel) {
    return new Promise((resolve) => {
      const box = document.createElement("dialog");
      box.className = "selection-dialog";
      const form = document.createElement("form");
      form.method = "dialog";
      const heading = document.createElement("h2");
      heading.textContent = title;
      form.append(heading);
      build(form);
      const buttons = document.createElement("p");
      buttons.className = "dialog-buttons";
      const ok = document.createElement("button");
      ok.type = "submit"; ok.value = "ok"; ok.textContent = submitLabel;
      const cancel = document.createElement("button");
      cancel.type = "submit"; cancel.value = "cancel"; cancel.textContent = "Cancel"; cancel.className = "secondary";
      cancel.formNoValidate = true;
      buttons.append(ok, cancel);
      form.append(buttons);
      box.append(form);
      document.body.append(box);
      box.addEventListener("close", () => {
        const fields = Object.fromEntries(new FormData(form));
        box.remove();
        resolve(box.returnValue === "ok" ? fields : null);
      });
      box.showModal();
    });
  }

  function field(form, label, input) {
    const wrap = document.createElement("label");
    wrap.textContent = label;
    wrap.append(input);
    form.append(wrap);
    return input;
  }

  async function albumsToOffer() {
    try {
      const response = await fetch("/albums", { headers: { Accept: "application/json" } });
      return response.ok ? (await response.json()).albums || [] : [];
    } catch (_) { return []; }
  }

  async function chooseAlbum() {
    const albums = (await albumsToOffer()).filter((a) => String(a.id) !== albumScope());
    const fields = await dialog(`Add ${plural(selected.size, "photo")} to an album`, (form) => {
      const select = document.createElement("select");
      select.name = "album";
      for (const album of albums) select.append(new Option(album.name, album.id));
      select.append(new Option("A new album…", ""));
      field(form, "Album", select);
      const name = document.createElement("input");
      name.name = "name"; name.maxLength = 200; name.placeholder = "New album's name";
      field(form, "New album's name", name).closest("label").hidden = albums.length > 0;
      name.required = albums.length === 0;
      select.addEventListener("change", () => {
        name.closest("label").hidden = select.value !== "";
        name.required = select.value === "";
      });
    }, "Add");
    if (!fields) return;
    let albumID = fields.album;
    let albumName = albums.find((a) => String(a.id) === albumID)?.name;
    if (!albumID) {
      const created = await send("POST", "/albums", { name: (fields.name || "").trim() });
      albumID = created.id; albumName = created.name;
    }
    const by = await bulk("add_to_album", albumID);
    const added = (by.added || []).length;
    const already = (by.already_in_album || []).length;
    say(`${plural(added, "photo")} added to “${albumName}”` + (already ? ` (${already} already there)` : ""));
  }

  async function share() {
    const today = new Date().toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
    const fields = await dialog(`Share ${plural(selected.size, "photo")}`, (form) => {
      const note = document.createElement("p");
      note.textContent = "They go into a new album, and the link shows that album: add or remove photos there later.";
      form.append(note);
      const name = document.createElement("input");
      name.name = "name"; name.required = true; name.maxLength = 200; name.value = `Shared on ${today}`;
      field(form, "Album name", name);
    }, "Create link");
    if (!fields) return;
    const album = await send("POST", "/albums", { name: fields.name.trim() });
    await bulk("add_to_album", album.id);
    let link;
    try {
      ({ link } = await send("POST", `/albums/${album.id}/links`, {}));
    } catch (error) {
      throw new Error(`The album “${album.name}” was made with them, but no link: ${error.message}`);
    }
    await dialog("Link created", (form) => {
      const output = document.createElement("input");
      output.readOnly = true; output.value = link.url; output.dataset.selectionLink = "";
      field(form, `Anyone with this link can see “${album.name}”`, output);
      setTimeout(() => output.select(), 0);
    }, "Done");
    say(`Shared as “${album.name}”`);
  }

  // ---- Events ------------------------------------------------------------------------------------------------------

  function setUp() {
    if (!("canChange" in document.body.dataset) || !document.querySelector("main")) return;
    for (const tile of tiles()) equip(tile);
    new MutationObserver(() => { for (const tile of tiles()) if (!tile.querySelector("input[data-select]")) equip(tile); })
      .observe(document.querySelector("main"), { childList: true, subtree: true });

    document.addEventListener("click", (e) => {
      const tile = e.target.closest?.("[data-grid] .tile[data-photo-id]");
      if (!tile) return;
      const box = e.target.closest("input[data-select]");
      if (box) { toggle(tile, e.shiftKey, box.checked); return; } // the browser has already ticked it
      // While selecting, a click anywhere on a tile (but its star) toggles it instead of opening the photo.
      if (selected.size && !e.target.closest("[data-star]")) { e.preventDefault(); toggle(tile, e.shiftKey); }
    });
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && selected.size && !document.querySelector("dialog[open]")) { e.preventDefault(); clear(); }
      if (e.key === " " && e.target.closest?.("[data-grid] .tile a") && selected.size) {
        e.preventDefault(); toggle(e.target.closest(".tile"), e.shiftKey);
      }
    });

    // A long press on a touch screen selects the tile (and the click that follows is not a navigation).
    let timer = null;
    let pressed = null;
    let longPressed = false;
    document.addEventListener("touchstart", (e) => {
      const tile = e.target.closest?.("[data-grid] .tile[data-photo-id]");
      if (!tile || e.touches.length > 1) return;
      longPressed = false;
      pressed = tile;
      timer = setTimeout(() => { longPressed = true; toggle(tile, false); }, 500);
    }, { passive: true });
    const cancelPress = () => { clearTimeout(timer); timer = null; };
    document.addEventListener("touchmove", cancelPress, { passive: true });
    document.addEventListener("touchend", cancelPress, { passive: true });
    document.addEventListener("contextmenu", (e) => { if (longPressed && e.target.closest?.(".tile")) e.preventDefault(); });
    document.addEventListener("click", (e) => {
      if (longPressed && pressed && e.target.closest?.(".tile") === pressed) { e.preventDefault(); e.stopImmediatePropagation(); longPressed = false; }
    }, true);
  }

  document.addEventListener("DOMContentLoaded", setUp);
})();
