-- wrk: identifier-only checks, the body from $BODY.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.headers["X-Fraudlink-Reason"] = "load test"
wrk.body = os.getenv("BODY")
done = dofile(os.getenv("SUMMARY"))
