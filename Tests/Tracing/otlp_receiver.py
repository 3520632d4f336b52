"""A small OTLP/HTTP trace receiver: `POST /v1/traces` with an ExportTraceServiceRequest in protobuf (gzip or not),
decoded with opentelemetry-proto (PyPI) and kept as plain dicts. The tracing test and scripts/bench/tracing.py use it.

    receiver = Receiver().start()      # on a free port of 127.0.0.1; receiver.endpoint is the OTLP base URL
    receiver.spans                     # every span so far: trace_id, span_id, parent_span_id (hex), name, service…
    receiver.stop()

Run as a program (`python3 otlp_receiver.py PORT`) it receives until killed and prints a count now and then.
"""
import gzip
import http.server
import sys
import threading
import time

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2


def _attributes(pairs):
    out = {}
    for pair in pairs:
        value = pair.value
        kind = value.WhichOneof("value")
        out[pair.key] = getattr(value, kind) if kind else None
    return out


def decode(body):
    """The spans of one ExportTraceServiceRequest, as dicts."""
    request = trace_service_pb2.ExportTraceServiceRequest()
    request.ParseFromString(body)
    spans = []
    for resource_spans in request.resource_spans:
        resource = _attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append({
                    "trace_id": span.trace_id.hex(), "span_id": span.span_id.hex(),
                    "parent_span_id": span.parent_span_id.hex() or None, "name": span.name, "kind": span.kind,
                    "service": resource.get("service.name"), "start": span.start_time_unix_nano,
                    "end": span.end_time_unix_nano, "attributes": _attributes(span.attributes),
                    "status": span.status.code,
                })
    return spans


class Receiver:
    def __init__(self, port=0):
        self.spans = []
        self.requests = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path != "/v1/traces":
                    self.send_response(404)
                    self.end_headers()
                    return
                try:
                    spans = decode(body)
                except Exception as error:  # a malformed export is the exporter's bug: answer 400 and say so
                    self.send_response(400)
                    self.end_headers()
                    self.wfile.write(str(error).encode())
                    return
                with receiver.lock:
                    receiver.spans.extend(spans)
                    receiver.requests += 1
                answer = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self):
        with self.lock:
            return list(self.spans)


if __name__ == "__main__":
    receiver = Receiver(int(sys.argv[1]) if len(sys.argv) > 1 else 0).start()
    print(receiver.endpoint, flush=True)
    try:
        while True:
            time.sleep(10)
            print(f"otlp_receiver: {len(receiver.spans)} spans in {receiver.requests} exports", flush=True)
    except KeyboardInterrupt:
        receiver.stop()
