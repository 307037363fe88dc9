-- Argo CD health of a Pitstop CleanupSchedule (pitstop.dev/v1alpha1).
-- spec.suspend: Suspended. Succeeded or Scheduled: Healthy, unless the last run failed.
-- Failed: Degraded. Others (a run going on or waiting for its window): Progressing.
-- A pitstop.dev/run-requested-at value the operator has not recorded yet in
-- status.observedRunRequest: Progressing (a refused request leaves the phase Failed: Degraded).
local hs = {status = "Progressing", message = "Waiting for the Pitstop operator"}
local status = obj.status
if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "Suspended: no further scheduled cleanups"
  return hs
end
if status == nil or status.phase == nil then
  return hs
end
local generation = obj.metadata.generation
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  hs.message = "Waiting for the Pitstop operator to see generation " .. generation
  return hs
end
local annotations = obj.metadata.annotations
local requested = annotations ~= nil and annotations["pitstop.dev/run-requested-at"] or nil
if requested ~= nil and requested ~= status.observedRunRequest and status.phase ~= "Failed" then
  hs.message = "Waiting for the Pitstop operator to act on the run requested at " .. requested
  return hs
end
hs.message = status.message or status.phase
if status.phase == "Failed" then
  hs.status = "Degraded"
elseif status.phase == "Succeeded" or status.phase == "Scheduled" then
  hs.status = "Healthy"
  if status.lastRun ~= nil and status.lastRun.result == "Failed" then
    hs.status = "Degraded"
    hs.message = "The last cleanup failed: " .. hs.message
  end
end
return hs
