-- wrk script for scripts/bench/web.py: the same request stream for every server measured.
--   UPLOAD_FILE=photo.jpg   POST multipart/form-data with one "file" part holding the photo
--   RAW_PUT=1               PUT the photo's bytes instead (NGINX writing bodies to disk)
--   RUN_ID=...              mixed into every body
--   (no UPLOAD_FILE)        plain GET
-- Every upload carries distinct bytes: a JPEG comment segment (FF FE) right after the start-of-image marker names
-- the run, the thread and a counter, so a deduplicating server cannot answer from what it already has.
-- done() prints one machine-readable line: WRKJSON {...}
local path = os.getenv("UPLOAD_FILE")
local raw_put = os.getenv("RAW_PUT") == "1"
local run_id = os.getenv("RUN_ID") or tostring(os.time())
local boundary = "----memoriesbench7MA4YWxkTrZu0gW"
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_number", next_thread)
end

local data, head, tail
local counter = 0

function init(args)
  if path and path ~= "" then
    local f = assert(io.open(path, "rb"))
    data = f:read("*a")
    f:close()
    head = table.concat({
      "--", boundary, "\r\n",
      'Content-Disposition: form-data; name="file"; filename="IMG_0001.jpg"\r\n',
      "Content-Type: image/jpeg\r\n\r\n",
    })
    tail = "\r\n--" .. boundary .. "--\r\n"
  end
end

local function distinct_jpeg()
  counter = counter + 1
  local tag = string.format("memories-bench %s %d %d", run_id, thread_number or 0, counter)
  local length = #tag + 2
  local comment = "\255\254" .. string.char(math.floor(length / 256), length % 256) .. tag
  return data:sub(1, 2) .. comment .. data:sub(3)
end

function request()
  if not data then
    return wrk.format()
  end
  local jpeg = distinct_jpeg()
  if raw_put then
    return wrk.format("PUT", nil, { ["Content-Type"] = "image/jpeg" }, jpeg)
  end
  return wrk.format("POST", nil, {
    ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
    ["Accept"] = "application/json",
  }, head .. jpeg .. tail)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"err_connect":%d,' ..
    '"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d,' ..
    '"lat_p50_us":%d,"lat_p99_us":%d,"lat_max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(99), latency.max))
end
