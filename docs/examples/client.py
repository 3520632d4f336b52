#!/usr/bin/env python3
"""A Memories client in one screen (Python `requests`): upload photos with an API token, wait until they are
processed, put them in a new album and share it. Run: MEMORIES_URL=https://photos.example MEMORIES_TOKEN=mem_…
python3 client.py photo.jpg …  (Tests/Contract/run.sh runs it against a real server.)"""
import os
import sys
import time

import requests

server = os.environ.get("MEMORIES_URL", "http://127.0.0.1:8000").rstrip("/")
api = requests.Session()
api.headers.update({"Accept": "application/json", "Authorization": "Bearer " + os.environ["MEMORIES_TOKEN"]})


def check(response):
    """The JSON of a 2xx answer; otherwise the server's {"error", "message"} as an exception."""
    if not response.ok:
        error = response.json()
        raise SystemExit(f"{response.status_code} {error['error']}: {error['message']}")
    return response.json() if response.content else None


album = check(api.post(f"{server}/albums", json={"name": "From the client"}))
ids = []
for path in sys.argv[1:]:
    with open(path, "rb") as file:  # 201 new, 200 already there (same bytes); either way into the album
        answer = check(api.post(f"{server}/photos", files={"file": file}, data={"album": album["id"]}))
    ids += [photo["id"] for photo in answer["photos"]]
deadline = time.time() + float(os.environ.get("CLIENT_TIMEOUT", "60"))
while True:  # the worker makes the display image and thumbnail; poll until none is queued or processing
    photos = check(api.get(f"{server}/photos", params={"ids": ",".join(map(str, ids))}))["photos"]
    if all(photo["status"] in ("ready", "failed") for photo in photos) or time.time() > deadline:
        break
    time.sleep(0.5)
for photo in photos:
    print(photo["id"], photo["status"], photo["original_name"], photo["urls"]["thumbnail"])
link = check(api.post(f"{server}/albums/{album['id']}/links", json={"allow_download": True}))["link"]
shared = requests.get(link["url"], headers={"Accept": "application/json"}).json()  # what a guest sees
print("shared:", link["url"], len(shared["photos"]), "photos")
