#!/usr/bin/env python3
"""The busiest event loop's CPU samples (async-profiler collapsed stacks, 1 ms each) sorted into the parts of an
event's path, in microseconds per event (per event delivered to every endpoint, when it has endpoints), for
load-tests/profile.sh. A stack counts once, in the first part it matches, in the order below: a reply written from
inside the database client's callback counts as the reply, a delivery started there as delivery.

usage: profile-buckets.py DIR WINDOW_START_EPOCH WINDOW_SECONDS RATE
  reads DIR/chunk-YYYYmmdd-HHMMSS.txt (each 10 s, named by when it was written, local time), keeps those wholly
  inside the window, writes them to DIR/window.txt and prints the parts.
"""
import collections
import glob
import os
import sys
import time

PARTS = [
    # Relay.claim and Relay.record: the design floor's two statements (profile.sh floor), sorted as the gateway's
    ("database: record delivery outcomes", ("OutcomeWriter", "DeliverySql", "Relay.record", "Relay.lambda$record")),
    ("database: build, encode and send the claim", ("ClaimBatcher.runStatement", "Relay.claim")),
    ("HTTP reply: build and write", ("Http1xServerResponse.end", "Responses.json")),
    ("delivery: sign, send, read the receivers' replies",
     ("io/countersign/gateway/delivery", "io/countersign/gateway/outbound", "Http1xClient", "HttpClient",
      "WebhookSigner")),
    ("database: read, decode, settle the claims", ("pgclient", "sqlclient")),
    ("HTTP request: routing, auth, header and body checks, hash",
     ("io/countersign/gateway/ingest", "io/countersign/gateway/http", "io/countersign/gateway/tenants",
      "ext/web/impl")),
    ("HTTP request: parse and dispatch", ("Http1xServerConnection", "Http1xServerRequest", "io/countersign/load/Relay")),
    ("socket writes flushed after a read", ("flush0", "doWrite", "sendAddress", "writeAddress", "write0")),
    ("socket reads", ("readBytes", "recvAddress", "read0", "epollInReady", "processSelectedKey")),
    ("waiting for I/O: the sleep and wake-up", ("epollWait", "EPoll.wait", "NioIoHandler.select")),
    ("timers", ("TimerHandler", "ScheduledFutureTask")),
]


def main():
    out, start, seconds, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    chunks = []
    for path in sorted(glob.glob(os.path.join(out, "chunk-*.txt"))):
        written = time.mktime(time.strptime(os.path.basename(path)[6:-4], "%Y%m%d-%H%M%S"))
        # a chunk holds the 10 s before it was written; a second of slack either side for the file's timing
        if written - 10 >= start - 1 and written <= start + seconds + 1:
            chunks.append(path)
    if not chunks:
        sys.exit("no profile chunk lies wholly inside the measured window")
    stacks = []
    with open(os.path.join(out, "window.txt"), "w") as window:
        for path in chunks:
            for line in open(path):
                window.write(line)
                stack, _, count = line.rstrip().rpartition(" ")
                stacks.append((stack.split(";"), int(count)))
    threads = collections.Counter()
    for frames, count in stacks:
        if "eventloop-thread" in frames[0]:
            threads[frames[0]] += count
    loop = threads.most_common(1)[0][0]
    parts = collections.Counter()
    for frames, count in stacks:
        if frames[0] != loop:
            continue
        name = next((n for n, marks in PARTS if any(m in f for f in frames for m in marks)), "other")
        parts[name] += count
    events = len(chunks) * 10 * rate
    total = sum(parts.values())
    print(f"{loop}, {len(chunks) * 10} s of samples ({len(chunks)} chunks), {events:.0f} events")
    for name, count in parts.most_common():
        print(f"{count * 1000 / events:7.1f} us/event  {count / total:6.1%}  {name}")
    print(f"{total * 1000 / events:7.1f} us/event  in all")


if __name__ == "__main__":
    main()
