-- Argo CD health of a Pitstop MaintenanceWindow (pitstop.dev/v1alpha1).
-- Idle, Scheduled, Active: Healthy. Failed (not drained in time; everything restored): Degraded.
-- Draining, Restoring: Progressing.
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
if status.phase == "Idle" or status.phase == "Scheduled" or status.phase == "Active" then
  hs.status = "Healthy"
elseif status.phase == "Failed" then
  hs.status = "Degraded"
end
return hs
