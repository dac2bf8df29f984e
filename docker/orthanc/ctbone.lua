-- Orthanc Lua recipe: tell CtBone about each study once Orthanc has seen no new instance for StableAge seconds.
-- CtBone then fetches the study itself (by StudyInstanceUID, through Orthanc's REST API) and analyses it.
-- Settings come from Orthanc's environment:
--   CTBONE_URL              CtBone's API, e.g. http://ctbone:5080
--   CTBONE_INGEST_KEY_FILE  a file holding an API key with the ingest role (ctbone keys create --role ingest ...)
-- Nothing about the patient is printed: Orthanc's log is not a place for PHI.

local function ReadKey()
  local path = os.getenv('CTBONE_INGEST_KEY_FILE')
  if path == nil then return nil end
  local file = io.open(path, 'r')
  if file == nil then return nil end
  local key = file:read('*l')
  file:close()
  return key
end

function OnStableStudy(studyId, tags, metadata)
  local url = os.getenv('CTBONE_URL') or 'http://127.0.0.1:5080'
  local key = ReadKey()
  if key == nil then
    print('ctbone.lua: no ingest key (CTBONE_INGEST_KEY_FILE); study ' .. studyId .. ' not sent to CtBone')
    return
  end

  local body = DumpJson({ studyInstanceUid = tags['StudyInstanceUID'], source = 'orthanc' }, true)
  local headers = { ['Authorization'] = 'Bearer ' .. key, ['Content-Type'] = 'application/json' }
  HttpPost(url .. '/api/analyses', body, headers)
  print('ctbone.lua: study ' .. studyId .. ' sent to CtBone')
end
