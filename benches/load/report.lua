-- wrk: pushes one new report per request (NDJSON), each with a unique id,
-- naming an IBAN of a small pool so that pushes join and grow clusters.
local counter = 0
local thread_id = 0
setup = function(thread)
  thread:set("tid", thread_id)
  thread_id = thread_id + 1
end
request = function()
  counter = counter + 1
  local id = string.format("LOAD-%s-%d-%d", os.getenv("RUN") or "0", tid or 0, counter)
  local iban = string.format("NL%02dLOAD%010d", 10 + (counter % 80), counter % 97)
  local body = string.format(
    '{"id":"%s","filed_at":"2026-11-01T10:00:00Z","unit":"Amsterdam","team":"Amsterdam-Centrum","fraud_type":"marketplace","amount_eur":120.0,"narrative":"Ik betaalde voor een fiets maar kreeg niets. Het geld ging naar rekening %s.","identifiers":[{"type":"phone","value":"06-%08d"}]}',
    id, iban, 10000000 + (counter % 500))
  return wrk.format("POST", "/api/v1/reports", {
    ["Content-Type"] = "application/x-ndjson",
    ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
  }, body .. "\n")
end
done = dofile(os.getenv("SUMMARY"))
