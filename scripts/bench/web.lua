-- wrk script for scripts/bench/web.py: the same request stream for every server measured.
--   UPLOAD_FILE=photo.jpg   POST multipart/form-data with one "file" part holding the photo
--   RAW_PUT=1               PUT the photo's bytes instead (NGINX writing bodies to disk)
--   RUN_ID=...              mixed into every body
--   (no UPLOAD_FILE)        plain GET
-- Every upload carries distinct bytes: a JPEG comment segment (FF FE) right after the start-of-image marker names
-- the run, the thread and a counter, so a deduplicating server cannot answer from what it already has.
-- The whole request is built once in a C buffer (LuaJIT's FFI) and only the counter's digits change per request:
-- building a 2 MB string from pieces each time made wrk itself the bottleneck (about 150 requests/s).
-- done() prints one machine-readable line: WRKJSON {...}
local ffi = require("ffi")
local path = os.getenv("UPLOAD_FILE")
local raw_put = os.getenv("RAW_PUT") == "1"
local run_id = (os.getenv("RUN_ID") or tostring(os.time())):sub(1, 12)
local boundary = "----memoriesbench7MA4YWxkTrZu0gW"
local digits = 12
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_number", next_thread)
end

local buffer, length, counter_at
local counter = 0

function init(args)
  if not (path and path ~= "") then
    return
  end
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  local tag = string.format("memories-bench %s %02d ", run_id, thread_number or 0)
  local comment_length = #tag + digits + 2
  local comment = "\255\254" .. string.char(math.floor(comment_length / 256), comment_length % 256) .. tag
  local jpeg_head = data:sub(1, 2) .. comment
  local jpeg_tail = data:sub(3)
  local body_head, body_tail, method, content_type
  if raw_put then
    method, content_type, body_head, body_tail = "PUT", "image/jpeg", jpeg_head, jpeg_tail
  else
    method = "POST"
    content_type = "multipart/form-data; boundary=" .. boundary
    body_head = table.concat({
      "--", boundary, "\r\n",
      'Content-Disposition: form-data; name="file"; filename="IMG_0001.jpg"\r\n',
      "Content-Type: image/jpeg\r\n\r\n", jpeg_head,
    })
    body_tail = jpeg_tail .. "\r\n--" .. boundary .. "--\r\n"
  end
  local host = wrk.headers["Host"] or (wrk.host .. ":" .. tostring(wrk.port))
  local request_head = table.concat({
    method, " ", wrk.path, " HTTP/1.1\r\n",
    "Host: ", host, "\r\n",
    "Content-Type: ", content_type, "\r\n",
    "Accept: application/json\r\n",
    "Content-Length: ", tostring(#body_head + digits + #body_tail), "\r\n\r\n",
    body_head,
  })
  counter_at = #request_head
  length = #request_head + digits + #body_tail
  buffer = ffi.new("uint8_t[?]", length)
  ffi.copy(buffer, request_head, #request_head)
  ffi.copy(buffer + counter_at + digits, body_tail, #body_tail)
end

function request()
  if not buffer then
    return wrk.format()
  end
  counter = counter + 1
  local text = string.format("%0" .. digits .. "d", counter)
  ffi.copy(buffer + counter_at, text, digits)
  return ffi.string(buffer, length)
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
