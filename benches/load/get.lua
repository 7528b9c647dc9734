-- wrk: GETs a rotating list of paths (one per line in $PATHS) with a token
-- and a reason, as an analyst's browser or script would.
local paths = {}
for line in io.lines(os.getenv("PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], {
    ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
    ["X-Fraudlink-Reason"] = "load test",
  })
end
done = dofile(os.getenv("SUMMARY"))
