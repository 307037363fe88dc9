-- Argo CD health of a Pitstop DatabaseMigration (pitstop.dev/v1alpha1).
-- Succeeded, or Planned for validateOnly: Healthy. Failed: Degraded.
-- WaitingForApproval: Suspended until the pitstop.dev/approve annotation. Others: Progressing.
local hs = {status = "Progressing", message = "Waiting for the Pitstop operator"}
local status = obj.status
if status == nil or status.phase == nil then
  return hs
end
local generation = obj.metadata.generation
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.message = "Waiting for the Pitstop operator to see generation " .. generation
  return hs
end
hs.message = status.message or status.phase
if status.phase == "Succeeded" or status.phase == "Planned" then
  hs.status = "Healthy"
elseif status.phase == "Failed" then
  hs.status = "Degraded"
elseif status.phase == "WaitingForApproval" then
  hs.status = "Suspended"
end
return hs
