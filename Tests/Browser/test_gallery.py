#!/usr/bin/env python3
"""End-to-end test of Memories' pages in headless Chromium, driven by Selenium.

Starts `app dev` on a free port with a scratch SQLite file and media folder, then, like a person would:
chooses three photos in the file input under a throttled upload and watches the progress bars, sees three thumbnails
replace their placeholders without a reload, uploads a duplicate ("already uploaded") and a file that is not an
image (the server's message), opens a photo, uses the lightbox with the keyboard, deletes a photo (to the trash,
restores it from the trash page, deletes it again and empties the trash), makes an album and
adds a photo to it (it stays in the gallery), uploads an iPhone-style HEIC (WebP thumbnail in <picture>,
placeholder, EXIF on its page), finds it by its camera on the search page, shares the album and uploads into it as a
guest in a fresh browser, invites someone from the accounts page who joins through the link in a second browser and
makes an API token on the settings page. Fails on any browser console error. Saves screenshots at 375 and 1440 px.
"""
import argparse
import io
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import html5lib
import pillow_heif
from PIL import Image, ImageDraw
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_photo(path, seed, size=(1600, 1200)):
    """A JPEG with a colour gradient, shapes and noise (so it does not compress to nothing): about 0.5–1 MB."""
    rng = random.Random(seed)
    width, height = size
    base = Image.new("RGB", size)
    draw = ImageDraw.Draw(base)
    top = tuple(rng.randrange(40, 255) for _ in range(3))
    bottom = tuple(rng.randrange(0, 200) for _ in range(3))
    for y in range(height):
        t = y / height
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    for _ in range(12):
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(40, 260)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=tuple(rng.randrange(256) for _ in range(3)))
    noise = Image.effect_noise(size, 40).convert("RGB")
    Image.blend(base, noise, 0.18).save(path, "JPEG", quality=92)


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class GalleryTest:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="memories-browser-")
        self.shots = args.screenshots
        os.makedirs(self.shots, exist_ok=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.server = None
        self.driver = None
        self.console_errors = []

    # ---- set-up ----

    def start_server(self):
        env = dict(os.environ)
        env.update({
            "HOST": "127.0.0.1", "PORT": str(self.port),
            "DATABASE_URL": f"sqlite:{self.work}/data/memories.sqlite3",
            "MEDIA_ROOT": f"{self.work}/media", "RESOURCES_DIR": self.args.root, "LOG_LEVEL": "warning",
        })
        env.pop("STORAGE", None)
        self.log = open(f"{self.work}/server.log", "w")
        self.server = subprocess.Popen([self.args.app, "dev"], cwd=self.work, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.server.poll() is not None:
                raise Failure("app dev exited early:\n" + open(f"{self.work}/server.log").read())
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=1) as response:
                    if response.status == 200:
                        return
            except Exception:
                time.sleep(0.2)
        raise Failure("app dev did not become ready within 60 s")

    def start_browser(self):
        self.driver = self.new_browser()
        self.driver.set_window_size(1440, 1000)

    def throttle(self, upload_kbps):
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": False, "latency": 40,
            "downloadThroughput": 4 * 1024 * 1024, "uploadThroughput": upload_kbps * 1000 // 8,
        })

    def unthrottle(self):
        self.driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})

    # ---- helpers ----

    def wait(self, condition, message, timeout=30):
        try:
            # A page that navigates (a form post, a redirect) between finding an element and reading it makes the
            # element stale: that is "not yet", not a failure, so the wait looks again.
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05,
                                 ignored_exceptions=(StaleElementReferenceException,)
                                 ).until(lambda d: condition())
        except TimeoutException:
            raise Failure("timed out: " + message)

    def drain_console(self, allow=()):
        for entry in self.driver.get_log("browser"):
            if entry["level"] in ("SEVERE", "ERROR") and not any(a in entry["message"] for a in allow):
                self.console_errors.append(entry["message"])

    def shot(self, name, width):
        height = 1000 if width > 500 else 812
        self.driver.set_window_size(width, height)
        time.sleep(0.4)
        full = self.driver.execute_script("return Math.min(document.documentElement.scrollHeight, 3000)")
        self.driver.set_window_size(width, max(height, full))
        time.sleep(0.3)
        path = os.path.join(self.shots, f"{name}-{width}.png")
        self.driver.save_screenshot(path)
        self.driver.set_window_size(1440, 1000)
        print(f"  screenshot {path}")

    def tiles(self):
        return self.driver.find_elements(By.CSS_SELECTOR, "[data-grid] .tile")

    def validate_html(self, path, base=None):
        """Parses the page as the server sent it (by `base`, the dev server by default) with a strict HTML5 parser:
        any parse error fails the test."""
        request = urllib.request.Request((base or self.base) + path, headers={"Accept": "text/html"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                html = response.read()
        except urllib.error.HTTPError as error:  # error pages are pages too
            html = error.read()
        parser = html5lib.HTMLParser(strict=True)
        try:
            parser.parse(html)
        except html5lib.html5parser.ParseError as error:
            raise Failure(f"{path} is not valid HTML: {error}")
        check(html.count(b"<h1") == 1, f"{path} has one h1")

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    # ---- the scenario ----

    def api_docs(self):
        """/api: the vendored Swagger UI renders /api/openapi.json under the pages' strict CSP, with no console error."""
        d = self.driver
        d.get(self.base + "/api")
        self.wait(lambda: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) >= 30, "the API page lists the operations")
        title = d.find_element(By.CSS_SELECTOR, ".info .title").text
        check("Memories HTTP API" in title, f"the API page shows the document's title: {title!r}")
        self.drain_console()
        print(f"  /api: {len(d.find_elements(By.CSS_SELECTOR, '.opblock'))} operations rendered")

    def run(self):
        d = self.driver
        self.api_docs()
        photos = []
        for i, name in enumerate(["harbour.jpg", "meadow.jpg", "old town.jpg"]):
            path = os.path.join(self.work, name)
            make_photo(path, seed=i)
            photos.append(path)
        sizes = [os.path.getsize(p) for p in photos]
        print(f"  photos: {', '.join(f'{s // 1000} kB' for s in sizes)}")

        d.get(self.base + "/")
        check(d.find_element(By.CSS_SELECTOR, "input[type=file][multiple]"), "the file input takes several files")
        check("No photos yet" in d.page_source, "an empty gallery says so")
        self.shot("gallery-empty", 375)
        self.js("window.__noReload = 'still here'")

        # Three photos under a throttled upload: progress bars move, at most three at a time, a total.
        self.throttle(upload_kbps=2000)  # 2 Mbit/s: a few seconds for the three
        self.js("""
            window.__progress = [];
            const tick = () => {
              const bars = [...document.querySelectorAll('.upload-item progress')];
              window.__progress.push(bars.map(b => [b.value, b.max]));
              if (window.__progress.length < 4000) setTimeout(tick, 30);
            };
            tick();""")
        d.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys("\n".join(photos))
        self.wait(lambda: len(d.find_elements(By.CSS_SELECTOR, ".upload-item")) == 3, "three upload rows")
        check(d.find_element(By.CSS_SELECTOR, "[data-upload-progress]").is_displayed(), "the upload panel shows")
        self.wait(lambda: any(0 < v < m for bars in self.js("return window.__progress") for v, m in bars),
                  "a progress bar part-way")
        self.shot("uploading", 1440)
        self.wait(lambda: len(d.find_elements(By.CSS_SELECTOR, ".upload-item.done")) == 3, "three uploads done", 90)
        samples = self.js("return window.__progress")
        partial = sum(1 for bars in samples for v, m in bars if 0 < v < m)
        check(partial >= 3, f"progress was seen part-way ({partial} samples)")
        notes = [e.text for e in d.find_elements(By.CSS_SELECTOR, ".upload-item .note")]
        check(notes == ["uploaded"] * 3, f"each file says uploaded: {notes}")
        summary = d.find_element(By.CSS_SELECTOR, "[data-upload-summary]").text
        check(summary.startswith("3 of 3 uploaded"), f"the total says 3 of 3: {summary!r}")
        self.unthrottle()

        # Three placeholders turn into thumbnails without a reload.
        self.wait(lambda: len(self.tiles()) == 3, "three tiles in the grid")
        self.wait(lambda: len(d.find_elements(By.CSS_SELECTOR, "[data-grid] .tile img")) == 3, "three thumbnails", 90)
        self.wait(lambda: all(self.js("return arguments[0].complete && arguments[0].naturalWidth > 0", img)
                              for img in d.find_elements(By.CSS_SELECTOR, "[data-grid] .tile img")), "thumbnails loaded")
        check(self.js("return window.__noReload") == "still here", "the page was not reloaded")
        alts = sorted(img.get_attribute("alt") for img in d.find_elements(By.CSS_SELECTOR, "[data-grid] .tile img"))
        check(alts == ["harbour.jpg", "meadow.jpg", "old town.jpg"], f"alt text from file names: {alts}")
        check(all(img.get_attribute("srcset") for img in d.find_elements(By.CSS_SELECTOR, "[data-grid] .tile img")),
              "thumbnails have srcset")
        self.drain_console()

        # The same file again is "already uploaded"; a file that is not an image gets the server's message.
        d.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(photos[0])
        self.wait(lambda: len(d.find_elements(By.CSS_SELECTOR, ".upload-item.done")) == 4, "duplicate finished")
        check(d.find_elements(By.CSS_SELECTOR, ".upload-item .note")[-1].text == "already uploaded", "duplicate note")
        bogus = os.path.join(self.work, "notes.jpg")
        open(bogus, "w").write("this is not a photo\n")
        d.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(bogus)
        self.wait(lambda: len(d.find_elements(By.CSS_SELECTOR, ".upload-item.error")) == 1, "bad file refused")
        message = d.find_element(By.CSS_SELECTOR, ".upload-item.error .note").text
        check("is not a JPEG, PNG, HEIC, AVIF or WebP image" in message, f"the server's message is shown: {message!r}")
        self.drain_console(allow=["status of 415"])
        check(len(self.tiles()) == 3, "still three tiles")

        # A file dropped on the drop zone uploads like a chosen one and appears in the grid.
        dropped = self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            const canvas = document.createElement('canvas');
            canvas.width = 640; canvas.height = 480;
            const g = canvas.getContext('2d');
            g.fillStyle = '#c36'; g.fillRect(0, 0, 640, 480);
            g.fillStyle = '#fc3'; g.beginPath(); g.arc(320, 240, 150, 0, 7); g.fill();
            canvas.toBlob((blob) => {
              const data = new DataTransfer();
              data.items.add(new File([blob], 'dropped.jpg', { type: 'image/jpeg' }));
              const zone = document.querySelector('[data-drop-zone]');
              for (const type of ['dragenter', 'dragover', 'drop']) {
                zone.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
              }
              done(true);
            }, 'image/jpeg', 0.9);""")
        check(dropped, "the drop was dispatched")
        self.wait(lambda: any(e.text == "dropped.jpg" for e in d.find_elements(By.CSS_SELECTOR, ".upload-item.done .name")),
                  "the dropped file uploads")
        self.wait(lambda: len(d.find_elements(By.CSS_SELECTOR, "[data-grid] .tile img")) == 4, "its thumbnail appears", 60)

        # Cancel: a slow upload stopped half-way leaves no photo.
        self.throttle(upload_kbps=300)
        big = os.path.join(self.work, "cancel me.jpg")
        make_photo(big, seed=99)
        d.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(big)
        self.wait(lambda: self.js(
            "const b = [...document.querySelectorAll('.upload-item progress')].pop(); return b.value > 0 && b.value < b.max"),
            "the slow upload is under way")
        d.find_elements(By.CSS_SELECTOR, ".upload-item button")[-1].click()
        self.wait(lambda: d.find_elements(By.CSS_SELECTOR, ".upload-item .note")[-1].text == "cancelled", "cancelled")
        self.unthrottle()
        time.sleep(1)
        check(len(self.tiles()) == 4, f"a cancelled upload adds no photo ({len(self.tiles())} tiles)")
        summary = d.find_element(By.CSS_SELECTOR, "[data-upload-summary]").text
        check(summary.startswith("5 of 6 uploaded · 100%"), f"the total leaves the cancelled file out: {summary!r}")
        check(not d.find_element(By.CSS_SELECTOR, "[data-upload-cancel-all]").is_displayed(), "nothing left to cancel")
        self.drain_console(allow=["status of 415"])
        self.shot("gallery", 1440)
        self.shot("gallery", 375)

        # Keyboard: arrow keys move between tiles; Enter opens the photo.
        first = d.find_element(By.CSS_SELECTOR, "[data-grid] .tile a")
        self.js("arguments[0].focus()", first)
        d.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
        second_href = self.js("return document.activeElement.getAttribute('href')")
        check(second_href == self.tiles()[1].find_element(By.TAG_NAME, "a").get_attribute("href").replace(self.base, ""),
              f"ArrowRight moves to the second tile ({second_href})")
        d.switch_to.active_element.send_keys(Keys.ENTER)
        self.wait(lambda: "/photos/" in d.current_url, "the photo page opens")
        self.wait(lambda: d.find_elements(By.CSS_SELECTOR, "img.display"), "the display image")
        page = d.page_source
        for label in ["Dimensions", "File size", "1600 × 1200 px", "Download the original"]:
            check(label in page, f"the photo page shows {label!r}")
        self.shot("photo", 1440)
        self.shot("photo", 375)
        # The upload time in the viewer's time zone (the page writes UTC; the script converts it).
        d.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "America/New_York"})
        d.refresh()
        self.wait(lambda: d.find_elements(By.CSS_SELECTOR, "img.display"), "the display image again")
        shown = d.find_element(By.CSS_SELECTOR, "time[data-local-time]").text
        check("UTC" not in shown and ("EST" in shown or "GMT-5" in shown), f"the upload time is the viewer's ({shown!r})")
        d.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ""})
        here = d.current_url

        # Lightbox: Enter on the image opens it, arrows browse, Escape closes.
        opener = d.find_element(By.CSS_SELECTOR, "[data-lightbox]")
        self.js("arguments[0].focus()", opener)
        d.switch_to.active_element.send_keys(Keys.ENTER)
        self.wait(lambda: d.find_elements(By.CSS_SELECTOR, ".lightbox img"), "the lightbox opens")
        check(self.js("return document.activeElement.closest('.lightbox') !== null"), "focus moves into the lightbox")
        self.shot("lightbox", 1440)
        d.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
        self.wait(lambda: d.current_url != here and d.current_url.endswith("#lightbox"), "ArrowRight shows the older photo")
        self.wait(lambda: d.find_elements(By.CSS_SELECTOR, ".lightbox img"), "the lightbox stays open on the next photo")
        d.switch_to.active_element.send_keys(Keys.ARROW_LEFT)
        self.wait(lambda: d.current_url.split("#")[0] == here, "ArrowLeft comes back")
        self.wait(lambda: d.find_elements(By.CSS_SELECTOR, ".lightbox img"), "the lightbox is open again")
        # A swipe to the left shows the older photo too, and one to the right comes back.
        swipe = """
            const box = document.querySelector('.lightbox');
            const touch = (x) => new Touch({ identifier: 1, target: box, clientX: x, clientY: 300 });
            box.dispatchEvent(new TouchEvent('touchstart', { touches: [touch(arguments[0])], bubbles: true }));
            box.dispatchEvent(new TouchEvent('touchend', { changedTouches: [touch(arguments[1])], bubbles: true }));"""
        self.js(swipe, 600, 300)
        self.wait(lambda: d.current_url.split("#")[0] != here, "a left swipe shows the older photo")
        self.wait(lambda: d.find_elements(By.CSS_SELECTOR, ".lightbox img"), "the lightbox after the swipe")
        self.js(swipe, 300, 600)
        self.wait(lambda: d.current_url.split("#")[0] == here, "a right swipe comes back")
        self.wait(lambda: d.find_elements(By.CSS_SELECTOR, ".lightbox img"), "the lightbox after swiping back")
        d.switch_to.active_element.send_keys(Keys.ESCAPE)
        self.wait(lambda: not d.find_elements(By.CSS_SELECTOR, ".lightbox"), "Escape closes the lightbox")
        self.drain_console()

        # Delete, after the confirmation step: the photo goes to the trash.
        trashed_url = d.current_url.split("#")[0]
        d.find_element(By.CSS_SELECTOR, ".danger-zone summary").click()
        d.find_element(By.CSS_SELECTOR, "[data-delete]").click()
        self.wait(lambda: d.current_url.rstrip("/") == self.base, "back to the gallery after delete")
        check(len(self.tiles()) == 3, f"three photos left ({len(self.tiles())})")
        self.trash(trashed_url)

        # Albums: create one, move a photo into it, see its preview and count.
        d.get(self.base + "/albums")
        d.find_element(By.ID, "new-album").send_keys("Summer by the sea")
        d.find_element(By.CSS_SELECTOR, "form[action='/albums'] button").click()
        self.wait(lambda: "/albums/" in d.current_url, "the new album's page")
        album_url = d.current_url
        d.get(self.base + "/")
        self.tiles()[0].find_element(By.TAG_NAME, "a").click()
        self.wait(lambda: d.find_elements(By.ID, "album-select"), "the move form")
        # Albums are views (the album list offers only albums the photo is not in yet): pick this one by name.
        d.find_element(By.XPATH, "//select[@id='album-select']/option[normalize-space()='Summer by the sea']").click()
        d.find_element(By.CSS_SELECTOR, ".move-form button").click()
        # The album's chip (not the select's option of the same name, which is there before the post lands).
        self.wait(lambda: "Summer by the sea" in d.find_element(By.CSS_SELECTOR, "[data-photo-albums]").text,
                  "the photo is in the album")
        d.get(album_url)
        check(len(self.tiles()) == 1, "the album page shows its photo")
        self.shot("album", 1440)
        d.get(self.base + "/albums")
        check("1 photo" in d.page_source, "the album list counts it")
        self.shot("albums", 1440)
        self.shot("albums", 375)
        d.get(self.base + "/")
        check(len(self.tiles()) == 3, "the photo is still in the main gallery (an album is a view)")
        photo_path = self.tiles()[0].find_element(By.TAG_NAME, "a").get_attribute("href").replace(self.base, "")
        for path in ["/", "/albums", album_url.replace(self.base, ""), photo_path, "/photos/999"]:
            self.validate_html(path)

        # A photo the worker cannot read turns from a placeholder into its failure reason, without a reload.
        data = open(photos[1], "rb").read()
        broken = os.path.join(self.work, "broken.jpg")
        open(broken, "wb").write(data[: len(data) // 3])
        self.js("window.__noReload = 'still here'")
        d.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(broken)
        self.wait(lambda: d.find_elements(By.CSS_SELECTOR, "[data-grid] .tile-failed"), "the broken photo fails", 60)
        reason = d.find_element(By.CSS_SELECTOR, "[data-grid] .tile-failed").text
        check(reason.startswith("Failed:") and "damaged or truncated" in reason, f"the failure reason is shown: {reason!r}")
        check(self.js("return window.__noReload") == "still here", "the page was not reloaded")

        self.heic_upload()
        self.search_by_camera()
        self.selection()
        self.resume_after_reload()
        self.accounts()
        self.sharing()
        self.invites()

        # Dark mode renders too.
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        d.get(self.base + "/")
        background = self.js("return getComputedStyle(document.body).backgroundColor")
        check(background != "rgb(246, 247, 249)", f"dark mode changes the background ({background})")
        self.shot("gallery-dark", 375)
        self.drain_console()
        check(not self.console_errors, "browser console errors:\n" + "\n".join(self.console_errors))

    def trash(self, trashed_url):
        """The trash: the deleted photo is listed with its thumbnail and dates; Restore brings it back; trashed again
        from its page, "Empty trash" (after its confirmation) removes it for good."""
        d = self.driver
        photo_id = trashed_url.rstrip("/").split("/")[-1]
        d.find_element(By.CSS_SELECTOR, "nav.nav a[href='/trash']").click()
        self.wait(lambda: d.current_url.endswith("/trash"), "the Trash link in the nav")
        items = d.find_elements(By.CSS_SELECTOR, "[data-trash] .trash-item")
        check(len(items) == 1 and items[0].get_attribute("data-photo-id") == photo_id, "the deleted photo is in the trash")
        check("Removed for good on" in items[0].text, "the trash says when the photo goes for good")
        self.wait(lambda: d.execute_script("const i = document.querySelector('.trash-thumb img'); return i && i.complete && i.naturalWidth > 0"),
                  "the trashed photo's thumbnail loads")
        self.validate_html("/trash")
        self.shot("trash", 1440)
        self.shot("trash", 375)
        d.find_element(By.CSS_SELECTOR, f"[data-restore='{photo_id}']").click()
        self.wait(lambda: "The trash is empty." in d.find_element(By.TAG_NAME, "main").text, "the trash is empty after Restore")
        d.get(self.base + "/")
        self.wait(lambda: len(self.tiles()) == 4, "the restored photo is back in the gallery")

        # Trash it again from its page: the page says it is in the trash; then empty the trash.
        d.get(trashed_url)
        d.find_element(By.CSS_SELECTOR, ".danger-zone summary").click()
        d.find_element(By.CSS_SELECTOR, "[data-delete]").click()
        self.wait(lambda: d.current_url.rstrip("/") == self.base, "back to the gallery after the second delete")
        d.get(trashed_url)
        self.wait(lambda: d.find_elements(By.CSS_SELECTOR, "[data-trashed]"), "the trashed photo's page says so")
        self.shot("photo-trashed", 375)
        d.get(self.base + "/trash")
        d.find_element(By.CSS_SELECTOR, ".empty-trash summary").click()
        d.find_element(By.CSS_SELECTOR, "[data-empty-trash]").click()
        self.wait(lambda: "The trash is empty." in d.find_element(By.TAG_NAME, "main").text, "Empty trash empties it")
        try:
            urllib.request.urlopen(urllib.request.Request(trashed_url, headers={"Accept": "application/json"}), timeout=5)
            raise Failure("the purged photo still answers")
        except urllib.error.HTTPError as error:
            check(error.code == 404, f"the purged photo answers 404 ({error.code})")
        self.drain_console()
        d.get(self.base + "/")
        check(len(self.tiles()) == 3, f"three photos after emptying the trash ({len(self.tiles())})")

    def heic_upload(self):
        """An iPhone-style HEIC chosen in the real page: uploaded, its thumbnail shown as WebP from a <picture>,
        its ThumbHash placeholder decodable, its EXIF date and camera on the photo page (issue 21)."""
        d = self.driver
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]})
        source = os.path.join(self.work, "source.jpg")
        make_photo(source, seed=21, size=(1200, 1600))
        heic = os.path.join(self.work, "IMG_4021.HEIC")
        image = Image.open(source)
        exif = Image.Exif()
        exif[0x010F] = "Apple"
        exif[0x0110] = "iPhone 12"
        exif.get_ifd(0x8769)[0x9003] = "2019:07:14 18:42:07"
        pillow_heif.from_pillow(image).save(heic, quality=80, exif=exif.tobytes())
        d.get(self.base + "/")
        before = len(self.tiles())
        d.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(heic)
        self.wait(lambda: any(e.text == "IMG_4021.HEIC" for e in d.find_elements(By.CSS_SELECTOR, ".upload-item.done .name")),
                  "the HEIC uploads")
        tile_img = "[data-grid] .tile img[alt='IMG_4021.HEIC']"
        self.wait(lambda: d.find_elements(By.CSS_SELECTOR, tile_img), "the HEIC's thumbnail appears", 90)
        img = d.find_element(By.CSS_SELECTOR, tile_img)
        self.wait(lambda: self.js("return arguments[0].complete && arguments[0].naturalWidth > 0", img), "it loads")
        check(len(self.tiles()) == before + 1, "one more tile")
        current = self.js("return arguments[0].currentSrc", img)
        check(current.endswith(".webp"), f"Chromium picks the WebP source of the <picture>: {current}")
        check(self.js("return arguments[0].naturalWidth < arguments[0].naturalHeight", img), "portrait stays portrait")
        placeholder = img.get_attribute("data-placeholder")
        check(placeholder, "the tile carries its placeholder")
        url = self.js("return window.memoriesThumbHash.placeholderURL(arguments[0])", placeholder)
        check(url and url.startswith("data:image/png;base64,"), "the placeholder renders to a data URL")
        # What the page paints before the thumbnails arrive: on a fresh page whose media requests are held (paused
        # by the DevTools Fetch domain), each tile shows its ThumbHash; released, the thumbnails replace them.
        # The thumbnails are in the memory cache by now, which the Fetch domain never sees: no cache for this page.
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        self.driver.execute_cdp_cmd("Fetch.enable", {"patterns": [{"urlPattern": "*/media/*"}]})
        d.get(self.base + "/")
        self.wait(lambda: self.js("return document.querySelectorAll('img.has-placeholder').length") > 0,
                  "placeholders are painted while the thumbnails are on their way")
        painted = self.js("return getComputedStyle(document.querySelector('img.has-placeholder')).backgroundImage")
        check(painted.startswith('url("data:image/png'), f"the placeholder is a data-URL image: {painted[:40]}")
        self.shot("gallery-placeholders", 375)
        self.driver.execute_cdp_cmd("Fetch.disable", {})
        self.driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
        d.get(self.base + "/")
        self.wait(lambda: all(self.js("return arguments[0].complete && arguments[0].naturalWidth > 0", i)
                              for i in d.find_elements(By.CSS_SELECTOR, "[data-grid] .tile img")), "thumbnails loaded")
        self.shot("gallery-heic", 1440)
        self.shot("gallery-heic", 375)
        d.find_element(By.CSS_SELECTOR, tile_img).click()
        self.wait(lambda: d.find_elements(By.CSS_SELECTOR, "img.display"), "the HEIC's photo page")
        page = d.page_source
        for label in ["1200 × 1600 px", "Apple iPhone 12", "2019", "Download the original"]:
            check(label in page, f"the HEIC's photo page shows {label!r}")
        display = d.find_element(By.CSS_SELECTOR, "img.display")
        self.wait(lambda: self.js("return arguments[0].complete && arguments[0].naturalWidth > 0", display), "display loads")
        check(self.js("return arguments[0].currentSrc", display).endswith(".webp"), "the display is the WebP twin")
        original = d.find_element(By.LINK_TEXT, "Download the original").get_attribute("href")
        check(original.endswith(".heic"), f"the original is the HEIC itself: {original}")
        with urllib.request.urlopen(original) as response:
            check(response.headers["Content-Type"] == "image/heic", "served as image/heic")
            check(response.read() == open(heic, "rb").read(), "byte for byte")
        self.shot("photo-heic", 1440)
        self.shot("photo-heic", 375)
        self.drain_console()
        check(not self.console_errors, "browser console errors:\n" + "\n".join(self.console_errors))

    def search_by_camera(self):
        """The search page from the nav: the camera's make typed in the box finds the one photo whose EXIF names
        it (the HEIC; the other uploads carry no EXIF), a date range still finds it, and one before it does not."""
        d = self.driver
        d.get(self.base + "/")
        d.find_element(By.LINK_TEXT, "Search").click()
        self.wait(lambda: d.find_elements(By.CSS_SELECTOR, "form.search input[name=q]"), "the search page")
        box = d.find_element(By.CSS_SELECTOR, "form.search input[name=q]")
        box.send_keys("appl")
        box.send_keys(Keys.ENTER)
        self.wait(lambda: d.find_elements(By.CSS_SELECTOR, "[data-grid] .tile"), "search results")
        names = [i.get_attribute("alt") for i in d.find_elements(By.CSS_SELECTOR, "[data-grid] .tile img")]
        check(names == ["IMG_4021.HEIC"], f"searching for the make finds the iPhone photo only: {names}")
        check(d.find_element(By.CSS_SELECTOR, "form.search input[name=q]").get_attribute("value") == "appl",
              "the box keeps the words")
        check("July 2019" in d.find_element(By.CSS_SELECTOR, "[data-grid] .month-head").text, "a month heading")
        self.wait(lambda: all(self.js("return arguments[0].complete && arguments[0].naturalWidth > 0", i)
                              for i in d.find_elements(By.CSS_SELECTOR, "[data-grid] .tile img")), "thumbnails loaded")
        self.shot("search", 1440)
        self.shot("search", 375)
        d.get(self.base + "/search?q=iphone+12&from=2019-07-01&to=2019-07-31")
        check(len(self.tiles()) == 1, "words and a date range together")
        d.get(self.base + "/search?q=apple&to=2019-07-13")
        check(not self.tiles() and d.find_elements(By.CSS_SELECTOR, "[data-no-results]"), "none before that day")
        self.validate_html("/search?q=apple")
        self.validate_html("/search")
        self.drain_console()
        check(not self.console_errors, "browser console errors:\n" + "\n".join(self.console_errors))

    def selection(self):
        """Select several (issue 26): a click on a tile's checkbox and a shift-click select a range of three, the bar
        adds them to a new album, Esc clears, one goes to the trash from the bar and comes back from the trash page
        with its album, the three are found by their camera, and a long press selects on a touch screen."""
        d = self.driver
        paths = []
        for i, name in enumerate(["picked one.jpg", "picked two.jpg", "picked three.jpg"]):
            path = os.path.join(self.work, name)
            make_photo(path, seed=40 + i, size=(900, 600))
            exif = Image.Exif()
            exif[0x010F] = "PENTAX"  # Make
            exif[0x0110] = "PENTAX K-70"  # Model
            Image.open(path).save(path, "JPEG", quality=90, exif=exif.tobytes())
            paths.append(path)
        names = sorted(os.path.basename(p) for p in paths)
        d.get(self.base + "/")
        d.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys("\n".join(paths))
        self.wait(lambda: len(d.find_elements(By.CSS_SELECTOR, ".upload-item.done")) == 3, "three uploads", 60)
        first_three = lambda: sorted(t.get_attribute("alt") or "" for t in
                                     d.find_elements(By.CSS_SELECTOR, "[data-grid] .tile img")[:3])
        self.wait(lambda: first_three() == names, "the three new photos lead the gallery", 60)

        tiles = self.tiles()[:3]
        boxes = [t.find_element(By.CSS_SELECTOR, "input[data-select]") for t in tiles]
        ActionChains(d).move_to_element(tiles[0]).click(boxes[0]).perform()
        ActionChains(d).move_to_element(tiles[2]).key_down(Keys.SHIFT).click(boxes[2]).key_up(Keys.SHIFT).perform()
        bar = d.find_element(By.CSS_SELECTOR, ".selection-bar")
        self.wait(lambda: bar.is_displayed() and "3 selected" in bar.text, "the bar counts three")
        check([b.is_selected() for b in boxes] == [True] * 3, "shift-click selected the range")
        check(not d.find_elements(By.CSS_SELECTOR, ".selection-bar [data-action=remove_from_album]"),
              "no Remove from album outside an album")
        self.shot("selection", 1440)
        self.shot("selection", 375)

        bar.find_element(By.CSS_SELECTOR, "[data-action=add_to_album]").click()
        self.wait(lambda: d.find_elements(By.CSS_SELECTOR, "dialog.selection-dialog[open]"), "the album dialog")
        dialog = d.find_element(By.CSS_SELECTOR, "dialog.selection-dialog[open]")
        Select(dialog.find_element(By.NAME, "album")).select_by_visible_text("A new album…")
        dialog.find_element(By.NAME, "name").send_keys("Picked three")
        self.shot("selection-album", 375)
        dialog.find_element(By.CSS_SELECTOR, "button[value=ok]").click()
        self.wait(lambda: "3 photos added to “Picked three”" in bar.text, "the three are added to the new album")
        d.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
        self.wait(lambda: not bar.is_displayed(), "Esc clears the selection")
        check(not any(b.is_selected() for b in boxes), "no box stays ticked after Esc")

        trashed_id = tiles[1].get_attribute("data-photo-id")
        boxes[1].click()
        self.wait(lambda: "1 selected" in bar.text, "one selected")
        bar.find_element(By.CSS_SELECTOR, "[data-action=trash]").click()
        self.wait(lambda: not d.find_elements(By.CSS_SELECTOR, f"[data-grid] .tile[data-photo-id='{trashed_id}']"),
                  "the trashed photo leaves the grid")
        self.wait(lambda: "1 photo moved to the trash" in bar.text, "the bar says where it went")
        d.get(self.base + "/trash")
        d.find_element(By.CSS_SELECTOR, f"[data-restore='{trashed_id}']").click()
        self.wait(lambda: "The trash is empty." in d.find_element(By.TAG_NAME, "main").text, "restored from the trash")
        with urllib.request.urlopen(urllib.request.Request(self.base + "/albums", headers={"Accept": "application/json"}),
                                    timeout=5) as response:
            albums = {a["name"]: a for a in json.load(response)["albums"]}
        check(albums.get("Picked three", {}).get("photo_count") == 3, f"the album has all three again: {albums.get('Picked three')}")

        d.get(self.base + "/search?q=pentax")
        self.wait(lambda: sorted(i.get_attribute("alt") for i in d.find_elements(By.CSS_SELECTOR, "[data-grid] .tile img")) == names,
                  "searching by the camera finds the three")
        # A long press on a touch screen selects the tile it is on, and the tap that ends it opens nothing.
        here = d.current_url
        self.js("""
            const tile = document.querySelector('[data-grid] .tile');
            const touch = new Touch({ identifier: 7, target: tile, clientX: 20, clientY: 20 });
            tile.dispatchEvent(new TouchEvent('touchstart', { touches: [touch], bubbles: true }));""")
        time.sleep(0.8)
        self.js("""
            const tile = document.querySelector('[data-grid] .tile');
            const touch = new Touch({ identifier: 7, target: tile, clientX: 20, clientY: 20 });
            tile.dispatchEvent(new TouchEvent('touchend', { changedTouches: [touch], bubbles: true }));
            tile.querySelector('a').click();""")
        check(d.current_url == here, "the tap ending a long press does not open the photo")
        self.wait(lambda: "1 selected" in d.find_element(By.CSS_SELECTOR, ".selection-bar").text, "a long press selects")
        check(d.find_elements(By.CSS_SELECTOR, ".selection-bar [data-action=download]"), "the bar offers a download")
        d.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
        self.drain_console()
        check(not self.console_errors, "browser console errors:\n" + "\n".join(self.console_errors))

    def resume_after_reload(self):
        """A file over TUS_THRESHOLD goes as a resumable upload; a reload mid-way and the same file chosen again
        resume it from the server's offset, not from the start."""
        d = self.driver
        path = os.path.join(self.work, "big resumable.jpg")
        make_photo(path, seed=9)
        with open(path, "ab") as f:
            f.write(b"\0" * (12 * 1024 * 1024))
        size = os.path.getsize(path)
        d.get(self.base + "/")
        form = d.find_element(By.CSS_SELECTOR, "[data-upload-form]")
        check(form.get_attribute("data-tus-threshold") == "8000000", "the page knows TUS_THRESHOLD")
        stored = """
            const key = Object.keys(localStorage).find(k => k.startsWith('memories-tus:'));
            if (!key) return -1;
            const head = new XMLHttpRequest();
            head.open('HEAD', localStorage.getItem(key), false);
            head.setRequestHeader('Tus-Resumable', '1.0.0');
            head.send();
            return head.status === 200 ? Number(head.getResponseHeader('Upload-Offset')) : -2;"""
        self.throttle(upload_kbps=16000)  # 2 MB/s: each 5 MiB chunk takes a few seconds
        d.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(path)
        self.wait(lambda: self.js(stored) > 0, "the first chunk of the resumable upload is stored", 120)
        d.refresh()  # drops the upload in the middle of a chunk
        offset = self.js(stored)
        check(0 < offset < size, f"after the reload the server holds part of the upload ({offset} of {size} bytes)")
        self.unthrottle()
        self.js("""
            window.__offsets = [];
            const set = XMLHttpRequest.prototype.setRequestHeader;
            XMLHttpRequest.prototype.setRequestHeader = function (name, value) {
              if (name === 'Upload-Offset') window.__offsets.push(Number(value));
              return set.apply(this, arguments);
            };""")
        d.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(path)
        self.wait(lambda: d.find_elements(By.CSS_SELECTOR, ".upload-item.done, .upload-item.error"), "the resumed upload ends", 120)
        note = d.find_element(By.CSS_SELECTOR, ".upload-item .note").text
        check(note == "uploaded", f"the resumed upload finishes: {note!r}")
        offsets = self.js("return window.__offsets")
        check(offsets and offsets[0] == offset, f"it resumed at byte {offset}, not 0: {offsets}")
        check(self.js(stored) == -1, "the finished upload's URL is forgotten")
        self.drain_console(allow=("/uploads",))
    def accounts(self):
        """`app serve` with sign-in required, on the same database: the operator creates a user with
        `app users create` (password on standard input); the browser is sent to the login page, a wrong password
        is refused with a readable message, the right one leads back with the name in the header, and signing out
        ends the session."""
        d = self.driver
        created = subprocess.run([self.args.app, "users", "create", "Ann"], input="correct horse battery\n",
                                 env=self.secure_env(), capture_output=True, text=True, timeout=120)
        check(created.returncode == 0, f"app users create: {created.stdout}{created.stderr}")
        check("admin" in created.stdout, f"the first account is an admin: {created.stdout}")
        base = self.start_secure_server()
        d.get(base + "/albums")
        self.wait(lambda: "/login" in d.current_url, "an anonymous visitor is sent to the login page")
        check("next=/albums" in d.current_url, f"the login page knows where to go back to: {d.current_url}")
        check(not d.find_elements(By.CSS_SELECTOR, "[data-signed-in]"), "nobody is shown as signed in")
        self.shot("login", 375)
        d.find_element(By.ID, "login-username").send_keys("ann")
        d.find_element(By.ID, "login-password").send_keys("wrong password")
        d.find_element(By.CSS_SELECTOR, ".login-form button[type=submit]").click()
        self.wait(lambda: d.find_elements(By.CSS_SELECTOR, ".form-error"), "a wrong password is refused")
        check("not right" in d.find_element(By.CSS_SELECTOR, ".form-error").text, "the refusal is readable")
        self.drain_console(allow=(f"{base}/login - Failed to load resource: the server responded with a status of 401",))
        d.find_element(By.ID, "login-password").send_keys("correct horse battery")
        d.find_element(By.CSS_SELECTOR, ".login-form button[type=submit]").click()
        self.wait(lambda: d.current_url.rstrip("/").endswith("/albums"), "signing in leads back to the albums")
        name = d.find_element(By.CSS_SELECTOR, "[data-signed-in]").text
        check(name == "Signed in as Ann", f"the header names the user: {name!r}")
        d.get(base + "/")
        check(d.find_elements(By.CSS_SELECTOR, "input[type=file]"), "a signed-in user gets the upload form")
        self.shot("gallery-signed-in", 1440)
        d.find_element(By.CSS_SELECTOR, "form.account button[type=submit]").click()
        self.wait(lambda: "/login" in d.current_url, "signing out leads to the login page")
        d.get(base + "/")
        self.wait(lambda: "/login" in d.current_url, "after signing out the gallery asks for a login again")
        # The login page an HTML5 parser accepts, like every other page.
        self.validate_html("/login", base)
        self.secure_server.terminate()
        self.secure_server.wait(30)
        self.secure_server = None

    def sharing(self):
        """A share link, made by Ann with the album page's "Share…" form on `app serve` with sign-in required, opened
        in a fresh browser with no session (no account needed): the guest sees the album and nothing else of the
        site, uploads one photo and sees it arrive as a thumbnail; Ann's links page lists the guest's photo.
        Screenshots of the guest's album at 1440 and 375 px."""
        d = self.driver
        base = self.start_secure_server()
        d.get(base + "/login?next=/albums")
        d.find_element(By.ID, "login-username").send_keys("Ann")
        d.find_element(By.ID, "login-password").send_keys("correct horse battery")
        d.find_element(By.CSS_SELECTOR, ".login-form button[type=submit]").click()
        self.wait(lambda: d.current_url.rstrip("/").endswith("/albums"), "Ann is signed in")
        d.find_element(By.CSS_SELECTOR, "a[href^='/albums/']").click()
        self.wait(lambda: d.find_elements(By.CSS_SELECTOR, "[data-share-control] summary"), "the album's Share control")
        album_name = d.find_element(By.TAG_NAME, "h1").text
        d.find_element(By.CSS_SELECTOR, "[data-share-control] summary").click()
        d.find_element(By.CSS_SELECTOR, "[data-share-form] input[name=allow_upload]").click()
        self.shot("share-form", 1440)
        d.find_element(By.CSS_SELECTOR, "[data-share-form] button[type=submit]").click()
        self.wait(lambda: (d.find_element(By.CSS_SELECTOR, "[data-share-form] [data-share-url]").get_attribute("value")
                           or "").startswith(base + "/s/"), "the form shows the new link's URL")
        link = d.find_element(By.CSS_SELECTOR, "[data-share-form] [data-share-url]").get_attribute("value")
        self.drain_console()

        guest = self.new_browser()
        owner, self.driver = self.driver, guest
        try:
            guest.get(link)
            check(guest.current_url == link, f"the guest stays on the link, not sent to a login: {guest.current_url}")
            check(guest.find_element(By.TAG_NAME, "h1").text == album_name, "the guest sees the shared album")
            before = len(self.tiles())
            check(before >= 1, "the album's photos are shown")
            check(not guest.find_elements(By.CSS_SELECTOR, "a[href^='/albums'], a[href='/'], a[href^='/photos'], .nav"),
                  "the shared page links nowhere else on the site")
            check("Ann" not in guest.page_source, "the owner's name is not shown")
            path = os.path.join(self.work, "from grandma.jpg")
            make_photo(path, seed=77, size=(1200, 900))
            guest.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(path)
            self.wait(lambda: guest.find_elements(By.CSS_SELECTOR, ".upload-item.done, .upload-item.error"),
                      "the guest's upload ends", 60)
            note = guest.find_element(By.CSS_SELECTOR, ".upload-item .note").text
            check(note == "uploaded", f"the guest's upload is accepted: {note!r}")
            self.wait(lambda: len(guest.find_elements(By.CSS_SELECTOR, "[data-grid] .tile.tile-ready img")) > before,
                      "the guest's photo appears as a thumbnail without a reload", 60)
            # A file over TUS_THRESHOLD goes over tus through the link (/s/<token>/uploads), as on the owner's pages.
            check(guest.find_element(By.CSS_SELECTOR, "[data-upload-form]").get_attribute("data-tus-endpoint")
                  == link.replace(base, "") + "/uploads", "the guest's uploader sends large files over the link's tus")
            big = os.path.join(self.work, "big from grandma.jpg")
            make_photo(big, seed=78, size=(1200, 900))
            with open(big, "ab") as f:
                f.write(b"\0" * (9 * 1024 * 1024))
            guest.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(big)
            self.wait(lambda: len(guest.find_elements(By.CSS_SELECTOR, ".upload-item.done, .upload-item.error")) == 2,
                      "the guest's resumable upload ends", 120)
            notes = [n.text for n in guest.find_elements(By.CSS_SELECTOR, ".upload-item .note")]
            check(notes == ["uploaded", "uploaded"], f"the guest's resumable upload is accepted: {notes!r}")
            self.wait(lambda: len(guest.find_elements(By.CSS_SELECTOR, "[data-grid] .tile.tile-ready img")) > before + 1,
                      "the guest's large photo appears too", 60)
            first = guest.find_element(By.CSS_SELECTOR, "[data-grid] .tile a").get_attribute("href")
            check(first.startswith(link + "/photos/"), f"tiles open photo pages within the link: {first}")
            self.shot("shared-album", 1440)
            self.shot("shared-album", 375)
            guest.get(first)
            self.wait(lambda: guest.find_elements(By.CSS_SELECTOR, "article.photo"), "the shared photo page")
            self.shot("shared-photo", 375)
            self.drain_console()
        finally:
            self.driver = owner
            guest.quit()
        self.validate_html(link.replace(base, ""), base)
        d.get(base + "/links")
        self.wait(lambda: "2 photos uploaded by guests" in d.page_source, "Ann's links page lists the guest's photos")
        check(d.find_elements(By.CSS_SELECTOR, "[data-revoke]"), "each active link has a revoke button")
        self.shot("links", 1440)
        d.find_element(By.CSS_SELECTOR, "[data-revoke]").click()
        self.wait(lambda: "revoked" in d.find_element(By.CSS_SELECTOR, "[data-link-state]").text, "the link is revoked")
        self.drain_console()
        self.secure_server.terminate()
        self.secure_server.wait(30)
        self.secure_server = None

    def secure_env(self):
        """The environment of the commands and `app serve` that share the dev server's database and media."""
        env = dict(os.environ)
        env.update({"DATABASE_URL": f"sqlite:{self.work}/data/memories.sqlite3", "MEDIA_ROOT": f"{self.work}/media",
                    "RESOURCES_DIR": self.args.root, "LOG_LEVEL": "warning", "BCRYPT_COST": "4"})
        env.pop("STORAGE", None)
        return env

    def start_secure_server(self):
        """`app serve` with sign-in required on the same database; returns its base URL once it is ready."""
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = self.secure_env()
        env.update({"HOST": "127.0.0.1", "PORT": str(port), "AUTH_REQUIRED": "true"})
        self.secure_server = subprocess.Popen([self.args.app, "serve"], cwd=self.work, env=env, stdout=self.log,
                                              stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(base + "/readyz", timeout=1):
                    return base
            except Exception:
                time.sleep(0.2)
        raise Failure("app serve did not become ready within 60 s")

    def new_browser(self):
        """A second, fresh Chromium: no cookies, no session."""
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,1000",
                     "--force-device-scale-factor=1"]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)

    def invites(self):
        """Accounts in the browser, on `app serve` with sign-in required: Ann (the first account, made by
        `app users create`, so an admin) invites someone from the accounts page; a second browser opens the link,
        chooses a name and password and lands signed in, sees Settings but not Accounts, and makes an API token; the
        link then answers 410. Screenshots of the accounts and settings pages at 1440 and 375 px."""
        d = self.driver
        base = self.start_secure_server()
        d.get(base + "/login?next=/accounts")
        # Ann may still be signed in from the sharing step (cookies do not depend on the port).
        if d.find_elements(By.ID, "login-username"):
            d.find_element(By.ID, "login-username").send_keys("Ann")
            d.find_element(By.ID, "login-password").send_keys("correct horse battery")
            d.find_element(By.CSS_SELECTOR, ".login-form button[type=submit]").click()
        self.wait(lambda: d.current_url.endswith("/accounts"), "Ann, an admin, reaches the accounts page")
        check(d.find_elements(By.CSS_SELECTOR, ".nav a[href='/accounts'][aria-current=page]"), "the nav has Accounts")
        d.find_element(By.ID, "invite-note").send_keys("Ben, ben@example.com")
        d.find_element(By.CSS_SELECTOR, "[data-invite-form] button[type=submit]").click()
        self.wait(lambda: d.find_elements(By.CSS_SELECTOR, "[data-one-time-secret] [data-share-url]"), "the invite link is shown")
        link = d.find_element(By.CSS_SELECTOR, "[data-one-time-secret] [data-share-url]").get_attribute("value")
        check(link.startswith(base + "/invite/"), f"the invite link is a full URL: {link}")
        check("Ben, ben@example.com" in d.find_element(By.CSS_SELECTOR, "[data-invites]").text, "the invite is listed as pending")
        d.find_element(By.CSS_SELECTOR, "[data-one-time-secret] [data-share-copy]").click()
        self.shot("accounts-invite", 1440)
        self.shot("accounts-invite", 375)
        self.validate_html(link.replace(base, ""), base)
        self.drain_console()

        guest = self.new_browser()
        owner, self.driver = self.driver, guest
        try:
            guest.get(link)
            check(guest.current_url == link, f"the invited person stays on the link: {guest.current_url}")
            guest.find_element(By.ID, "invite-username").send_keys("Ben")
            guest.find_element(By.ID, "invite-password").send_keys("a good long password")
            guest.find_element(By.ID, "invite-confirm").send_keys("a good long password")
            self.shot("invite", 375)
            guest.find_element(By.CSS_SELECTOR, "[data-invite-accept] button[type=submit]").click()
            self.wait(lambda: guest.find_elements(By.CSS_SELECTOR, "[data-signed-in]"), "Ben lands signed in")
            check(guest.find_element(By.CSS_SELECTOR, "[data-signed-in]").text == "Signed in as Ben", "the header names Ben")
            check(guest.find_elements(By.CSS_SELECTOR, ".nav a[href='/settings']"), "Ben's nav has Settings")
            check(not guest.find_elements(By.CSS_SELECTOR, ".nav a[href='/accounts']"), "a member's nav has no Accounts")
            guest.find_element(By.CSS_SELECTOR, ".nav a[href='/settings']").click()
            self.wait(lambda: guest.find_elements(By.CSS_SELECTOR, "[data-token-form]"), "the settings page")
            guest.find_element(By.ID, "token-name").send_keys("photo frame")
            guest.find_element(By.CSS_SELECTOR, "[data-token-form] button[type=submit]").click()
            self.wait(lambda: guest.find_elements(By.CSS_SELECTOR, "[data-one-time-secret] [data-share-url]"), "the new token is shown")
            secret = guest.find_element(By.CSS_SELECTOR, "[data-one-time-secret] [data-share-url]").get_attribute("value")
            check(secret.startswith("mem_"), f"the token is shown once: {secret[:6]}")
            request = urllib.request.Request(base + "/photos", headers={"Accept": "application/json",
                                                                         "Authorization": f"Bearer {secret}"})
            with urllib.request.urlopen(request, timeout=5) as response:
                check(response.status == 200, "the new token works")
            check("photo frame" in guest.find_element(By.CSS_SELECTOR, "[data-tokens]").text, "the token is listed")
            self.shot("settings", 1440)
            self.shot("settings", 375)
            self.drain_console()
            guest.get(link)
            check("already been used" in guest.page_source, "the used link answers with a readable page")
            self.drain_console(allow=("status of 410",))
        finally:
            self.driver = owner
            guest.quit()
        try:
            urllib.request.urlopen(link, timeout=5)
            raise Failure("a used invite link still opens")
        except urllib.error.HTTPError as error:
            check(error.code == 410, f"a used invite link answers 410, not {error.code}")
        self.validate_html(link.replace(base, ""), base)
        d.get(base + "/accounts")
        check("Ben" in d.find_element(By.CSS_SELECTOR, "[data-accounts]").text, "Ben is listed among the accounts")
        self.shot("accounts", 1440)
        self.shot("accounts", 375)
        self.drain_console()
        self.secure_server.terminate()
        self.secure_server.wait(30)
        self.secure_server = None

    def close(self):
        if getattr(self, "secure_server", None):
            self.secure_server.kill()
        if self.driver:
            self.driver.quit()
        if self.server:
            self.server.terminate()
            try:
                self.server.wait(10)
            except subprocess.TimeoutExpired:
                self.server.kill()
        shutil.rmtree(self.work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--app", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--screenshots", required=True)
    args = parser.parse_args()
    test = GalleryTest(args)
    try:
        test.start_server()
        test.start_browser()
        print(f"browser test: {test.base}, screenshots in {args.screenshots}")
        test.run()
        print("browser test: passed")
        return 0
    except Failure as failure:
        print(f"browser test FAILED: {failure}", file=sys.stderr)
        try:
            test.driver and test.driver.save_screenshot(os.path.join(args.screenshots, "failure.png"))
            print(open(f"{test.work}/server.log").read()[-3000:], file=sys.stderr)
        except Exception:
            pass
        return 1
    finally:
        test.close()


if __name__ == "__main__":
    sys.exit(main())
