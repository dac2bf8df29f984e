-- wrk script of the service-load benchmark: cycles through the request paths the benchmark wrote (CTBONE_PATHS, one
-- a line), each thread from its own place in the list, with the viewer key in CTBONE_KEY.
local threads = 0
local paths = {}
local next = 1
local headers = {}

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  for line in io.lines(os.getenv("CTBONE_PATHS")) do
    paths[#paths + 1] = line
  end
  headers["Authorization"] = "Bearer " .. os.getenv("CTBONE_KEY")
  next = (id * 997) % #paths + 1
end

function request()
  next = next % #paths + 1
  return wrk.format("GET", paths[next], headers)
end
