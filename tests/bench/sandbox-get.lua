-- sandbox-get.lua: wrk script for tests/bench/sandbox.sh: GET /contacts/:id
-- over the ids listed in the file $SB_IDS, with the API's headers.
local ids = {}
for line in io.lines(os.getenv("SB_IDS")) do
	ids[#ids + 1] = line
end
local n = 0
local headers = {
	["Authorization"] = "Bearer " .. (os.getenv("SB_TOKEN") or "sandbox-token"),
	["Version"] = "2021-07-28",
	["Accept"] = "application/json",
}

request = function()
	n = n + 1
	return wrk.format("GET", "/contacts/" .. ids[(n % #ids) + 1], headers)
end
